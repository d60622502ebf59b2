package store_test

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/search"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// searchCorpus is a set of complaints whose texts test the edges of
// substring search: bigram overlap without the phrase, single characters,
// mixed scripts, order-number fragments and punctuation.
var searchCorpus = []struct {
	key, title, desc, order, name string
	channel                       kesu.Channel
	message                       string
}{
	{"refund", "申请退款被拒绝", "我在商城买的耳机坏了，申请退款三次都被拒绝。", "JD2026112312345", "张三", kesu.ChannelPhone, ""},
	{"slow", "物流太慢", "快递一直不更新物流信息，客服也不回复。", "SF1234567890", "李四", kesu.ChannelEmail, ""},
	{"style", "款式不符", "收到的衣服款式和图片不一样，要求退货。", "", "王五", kesu.ChannelWeb, ""},
	{"english", "iPhone 15 screen broken", "The screen of my iPhone cracked after 2 days; I want a refund.", "", "John Smith", kesu.ChannelEmail, ""},
	{"rude", "客服态度差", "电话客服说话很不客气，挂我电话。", "", "赵六", kesu.ChannelPhone, ""},
	{"apart", "退 款", "退，款项未到账", "", "钱七", kesu.ChannelWeb, ""},
	{"overlap", "声明", "我要退款，款申明在此，申请人是我", "", "孙八", kesu.ChannelWeb, ""},
	{"phrase", "退款申请没人处理", "退款申请已提交一周", "", "周九", kesu.ChannelWeChat, ""},
	{"message", "商品问题", "质量问题", "", "吴十", kesu.ChannelWeb, "快递员把包裹放在门口丢了"},
	{"mixed", "iPhone15屏幕坏了要退款", "手机屏幕碎了", "", "郑一", kesu.ChannelStore, ""},
	{"punct", "订单有误", "订单号ORD-2026-0042的发票金额不对", "", "冯二", kesu.ChannelEmail, ""},
	{"comma", "物流丢件", "要求退款，物流单号没有更新", "", "陈三", kesu.ChannelPhone, ""},
}

func TestSearchContract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		eng := search.New(f.db)
		byKey := map[string]kesu.Complaint{}
		numberKey := map[string]string{}
		for i, s := range searchCorpus {
			in := kesu.NewComplaint{Kind: kesu.KindComplaint, Channel: s.channel, Title: s.title, Description: s.desc,
				OrderNo: s.order, Customer: kesu.Customer{Name: s.name, Phone: fmt.Sprintf("1380000%04d", i)}}
			res, err := f.db.CreateComplaint(f.ctx, in, f.agent, t0.Add(time.Duration(i)*time.Minute), nil)
			if err != nil {
				t.Fatalf("%s: %v", s.key, err)
			}
			byKey[s.key] = res.Complaint
			numberKey[res.Complaint.Number] = s.key
			if s.message != "" {
				if _, err := f.db.AddPost(f.ctx, res.Complaint.Number, kesu.NewPost{Body: s.message, Visibility: kesu.VisibilityCustomer},
					f.agent, t0.Add(time.Duration(i)*time.Minute+time.Second)); err != nil {
					t.Fatal(err)
				}
			}
		}
		find := func(q string, filter store.Filter) []string {
			t.Helper()
			pq, err := search.Parse(q)
			if err != nil {
				t.Fatalf("parse %q: %v", q, err)
			}
			var keys []string
			for _, order := range []search.Order{search.Newest, search.Ranked} {
				page, err := eng.List(f.ctx, filter, pq, order)
				if err != nil {
					t.Fatalf("%q: %v", q, err)
				}
				var got []string
				for _, c := range page.Items {
					got = append(got, numberKey[c.Number])
				}
				sort.Strings(got)
				if order == search.Newest {
					keys = got
				} else if !reflect.DeepEqual(got, keys) {
					t.Errorf("%q: ranked %v, newest %v", q, got, keys)
				}
			}
			return keys
		}
		cases := []struct {
			q    string
			want string // sorted keys, space-separated
		}{
			{"退款", "comma mixed overlap phrase refund"},
			{"物流", "comma slow"},
			{"客服", "rude slow"},
			{"退款申请", "phrase"}, // "overlap" has every bigram, not the phrase
			{"款", "apart comma mixed overlap phrase refund style"},
			{"退", "apart comma mixed overlap phrase refund style"},
			{"包裹", "message"}, // only in a message
			{"iPhone", "english mixed"},
			{"iphone 退款", "mixed"},  // mixed Chinese/English, two terms
			{"iPhone15屏幕", "mixed"}, // one mixed term
			{"REFUND", "english"},
			{"JD2026112312345", "refund"}, // order number, exact
			{"2312345", "refund"},         // order number fragment
			{"jd2026", "refund"},          // fragment across letters and digits
			{"12345", "refund slow"},      // in two order numbers
			{"ORD-2026-0042", "punct"},    // punctuation inside the term
			{"ord/2026/0042", "punct"},
			{"退款，物流", "comma"},     // Chinese punctuation between words
			{"\"退款 物流\"", "comma"}, // a quoted phrase
			{"张三", "refund"},       // customer name
			{"John", "english"},
			{"不存在的词", ""},
			{"fund", ""},                     // Latin words match from their start: not "refund"
			{"phone", ""},                    // nor "iPhone"
			{"D2026", "refund"},              // but identifiers match anywhere
			{byKey["punct"].Number, "punct"}, // complaint number
			{byKey["punct"].Number[len(byKey["punct"].Number)-6:], "punct"}, // its sequence
		}
		for _, c := range cases {
			got := strings.Join(find(c.q, store.Filter{}), " ")
			if got != c.want {
				t.Errorf("q=%q: got [%s], want [%s]", c.q, got, c.want)
			}
		}
		// Combined with list filters.
		if got := strings.Join(find("退款", store.Filter{Channel: kesu.ChannelPhone}), " "); got != "comma refund" {
			t.Errorf("退款 + channel phone: %s", got)
		}
		if got := strings.Join(find("物流", store.Filter{Channel: kesu.ChannelWeb}), " "); got != "" {
			t.Errorf("物流 + channel web: %s", got)
		}
		if got := strings.Join(find("退款", store.Filter{CustomerID: byKey["phrase"].Customer.ID}), " "); got != "phrase" {
			t.Errorf("退款 + customer: %s", got)
		}
		from := t0.Add(5 * time.Minute)
		if got := strings.Join(find("退款", store.Filter{From: &from}), " "); got != "comma mixed overlap phrase" {
			t.Errorf("退款 + from: %s", got)
		}

		// Newest first, paged: every match once, in registration order.
		pq, _ := search.Parse("退款")
		var seen []string
		filter := store.Filter{Limit: 2}
		for {
			page, err := eng.List(f.ctx, filter, pq, search.Newest)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page.Items {
				seen = append(seen, numberKey[c.Number])
			}
			if page.NextCursor == "" {
				break
			}
			filter.Cursor = page.NextCursor
		}
		if got := strings.Join(seen, " "); got != "comma mixed phrase overlap refund" {
			t.Errorf("paged newest first: %s", got)
		}

		// Snippets: escaped, matches marked; a message match shows the message.
		res, err := eng.Search(f.ctx, store.Filter{}, mustParse(t, "包裹"), search.Newest)
		if err != nil || len(res.Items) != 1 {
			t.Fatalf("search 包裹: %v %v", res, err)
		}
		if h := res.Items[0]; h.Field != "message" || h.Snippet != "快递员把<mark>包裹</mark>放在门口丢了" {
			t.Errorf("snippet: %s %q", h.Field, h.Snippet)
		}
		res, _ = eng.Search(f.ctx, store.Filter{}, mustParse(t, "iphone"), search.Ranked)
		if len(res.Items) != 2 || numberKey[res.Items[0].Complaint.Number] != "english" && numberKey[res.Items[0].Complaint.Number] != "mixed" {
			t.Fatalf("ranked iphone: %+v", res.Items)
		}
		for _, h := range res.Items {
			if !strings.Contains(h.Snippet, "<mark>iPhone</mark>") || h.Rank <= 0 {
				t.Errorf("ranked hit: %q rank %v", h.Snippet, h.Rank)
			}
		}

		// The plan reads the search index, never every complaint.
		plan, err := f.db.ExplainMatch(f.ctx, store.Filter{Match: mustParse(t, "退款").Tokens()})
		if err != nil {
			t.Fatal(err)
		}
		if f.db.Dialect() == "sqlite" {
			if !strings.Contains(plan, "VIRTUAL TABLE INDEX") || strings.Contains(plan, "SCAN c\n") || strings.HasSuffix(plan, "SCAN c") {
				t.Errorf("plan does not go through the index:\n%s", plan)
			}
		} else if !strings.Contains(plan, "complaint_search_tokens") || strings.Contains(plan, "Seq Scan") {
			t.Errorf("plan does not go through the index:\n%s", plan)
		}

		// Bad queries are refused, naming q.
		for _, q := range []string{"", "！？。", strings.Repeat("退", search.MaxQueryRunes+1)} {
			if _, err := search.Parse(q); kesu.ErrorCodeOf(err) != kesu.EInvalid {
				t.Errorf("Parse(%q) = %v", q, err)
			}
		}
	})
}

func mustParse(t *testing.T, q string) search.Query {
	t.Helper()
	pq, err := search.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	return pq
}

// A word in most complaints is answered by walking the newest complaints
// (SQLite) or whatever PostgreSQL's planner picks: the same results as a
// rare word's plan.
func TestSearchCommonWord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		eng := search.New(f.db)
		var ins []kesu.NewComplaint
		want := 0
		for i := 0; i < 1200; i++ {
			desc := fmt.Sprintf("第%d单：快递员态度不好", i)
			if i%4 != 0 {
				desc = fmt.Sprintf("第%d单：申请退款没有回音", i)
				want++
			}
			reg := t0.Add(time.Duration(i) * time.Minute)
			ins = append(ins, kesu.NewComplaint{Kind: kesu.KindComplaint, Channel: kesu.ChannelWeb, Title: "投诉",
				Description: desc, Customer: kesu.Customer{Name: "客户", Phone: fmt.Sprintf("1370000%04d", i)}, RegisteredAt: &reg})
		}
		res, err := f.db.CreateComplaints(f.ctx, ins, f.agent, t0.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
		if f.db.Dialect() == "sqlite" {
			plan, err := f.db.ExplainMatch(f.ctx, store.Filter{Match: mustParse(t, "退款").Tokens()})
			if err != nil || !strings.Contains(plan, "complaints_registered") {
				t.Errorf("common word not walked newest first: %v\n%s", err, plan)
			}
		}
		for _, q := range []string{"退款", "申请退款没有", "回音"} {
			filter := store.Filter{Limit: 200}
			got := 0
			var last time.Time
			for {
				page, err := eng.List(f.ctx, filter, mustParse(t, q), search.Newest)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page.Items {
					if !last.IsZero() && c.RegisteredAt.After(last) {
						t.Fatalf("%s: not newest first", q)
					}
					last = c.RegisteredAt
				}
				got += len(page.Items)
				if page.NextCursor == "" {
					break
				}
				filter.Cursor = page.NextCursor
			}
			if got != want {
				t.Errorf("%s: %d matches, want %d", q, got, want)
			}
		}
	})
}

// Duplicates: near-duplicate text, same phone, same order, links, repeat
// complainants; similar closed cases with their resolution.
func TestRelatedAndSimilar(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		eng := search.New(f.db)
		mk := func(title, desc, phone, order string, ch kesu.Channel, at time.Time) kesu.Complaint {
			t.Helper()
			res, err := f.db.CreateComplaint(f.ctx, kesu.NewComplaint{Kind: kesu.KindComplaint, Channel: ch, Title: title,
				Description: desc, OrderNo: order, Customer: kesu.Customer{Name: "客户", Phone: phone}}, f.agent, at, nil)
			if err != nil {
				t.Fatal(err)
			}
			return res.Complaint
		}
		text := "耳机左耳没有声音，申请退货被拒绝，客服一直不回复，要求全额退款并赔偿来回运费。"
		a := mk("耳机没声音", text, "13800000001", "JD100", kesu.ChannelPhone, t0)
		b := mk("耳机没声音", text, "13900000002", "", kesu.ChannelEmail, t0.Add(time.Hour))
		c := mk("快递丢件", "包裹显示已签收但是我没有收到，快递员电话打不通。", "13800000001", "", kesu.ChannelWeb, t0.Add(2*time.Hour))
		d := mk("发票问题", "发票抬头开错了，需要重开。", "13700000003", "JD100", kesu.ChannelWeb, t0.Add(3*time.Hour))
		e := mk("价格问题", "刚买就降价了，要求补差价。", "13800000001", "", kesu.ChannelWeb, t0.Add(4*time.Hour))

		rel, err := eng.Related(f.ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		reasons := map[string]string{}
		for _, it := range rel.Items {
			reasons[it.Complaint.Number] = strings.Join(it.Reasons, ",")
		}
		want := map[string]string{
			b.Number: "near_duplicate,same_text,other_channel",
			c.Number: "same_customer",
			d.Number: "same_order",
			e.Number: "same_customer",
		}
		if !reflect.DeepEqual(reasons, want) {
			t.Errorf("related reasons %v, want %v", reasons, want)
		}
		if rel.Items[0].Complaint.Number != b.Number {
			t.Errorf("the duplicate is not first: %+v", rel.Items)
		}
		if !rel.Repeat.Flagged || rel.Repeat.Count != 3 {
			t.Errorf("repeat complainant: %+v", rel.Repeat)
		}

		// A draft: a near duplicate (punctuation changed) is found before saving.
		draft := kesu.NewComplaint{Kind: kesu.KindComplaint, Channel: kesu.ChannelWeChat, Title: "耳机没声音",
			Description: "耳机左耳没有声音！申请退货被拒绝；客服一直不回复，要求全额退款并赔偿来回的运费", Customer: kesu.Customer{Phone: "139 0000 0002"}}
		rel, err = eng.Check(f.ctx, draft, t0.Add(5*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, it := range rel.Items {
			got[it.Complaint.Number] = strings.Join(it.Reasons, ",")
		}
		if !strings.Contains(got[a.Number], "near_duplicate") || got[b.Number] != "same_customer,near_duplicate" {
			t.Errorf("draft check: %v", got)
		}
		if rel.Repeat.Count != 2 || rel.Repeat.Flagged {
			t.Errorf("draft repeat: %+v", rel.Repeat)
		}

		// Link, then merge through the lifecycle.
		if err := f.db.Link(f.ctx, c.ID, e.ID, f.agent, t0); err != nil {
			t.Fatal(err)
		}
		rel, _ = eng.Related(f.ctx, c)
		for _, it := range rel.Items {
			if it.Complaint.Number == e.Number && !strings.Contains(strings.Join(it.Reasons, ","), "linked") {
				t.Errorf("link not shown: %+v", it)
			}
		}

		// Similar closed cases: close one like a, with a resolution.
		old := mk("耳机无声", "耳机右耳没有声音了，申请退货，要求退款。", "13600000009", "", kesu.ChannelWeb, t0.Add(-48*time.Hour))
		closeComplaint(t, f, old.Number, "更换新耳机并补偿运费")
		mk("冰箱不制冷", "冰箱买了三天就不制冷了。", "13600000008", "", kesu.ChannelWeb, t0.Add(-47*time.Hour))
		cases, err := eng.Similar(f.ctx, a, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) != 1 || cases[0].Number != old.Number || cases[0].Resolution == "" || cases[0].Similarity <= 0 {
			t.Errorf("similar cases: %+v", cases)
		}
	})
}

// closeComplaint drives a complaint to closed through the lifecycle.
func closeComplaint(t *testing.T, f *fixture, number, resolution string) {
	t.Helper()
	steps := []kesu.Command{
		{Action: kesu.ActionAccept},
		{Action: kesu.ActionDispatch, Department: "after_sales"},
		{Action: kesu.ActionSign},
		{Action: kesu.ActionComplete, Note: resolution},
		{Action: kesu.ActionClose, Satisfaction: 5},
	}
	for _, cmd := range steps {
		actor := f.super
		if cmd.Action == kesu.ActionSign || cmd.Action == kesu.ActionComplete {
			actor = f.handler
		}
		if _, err := f.db.Transition(f.ctx, number, cmd, actor, t0.Add(-24*time.Hour), kesu.DefaultRules); err != nil {
			t.Fatalf("%s: %v", cmd.Action, err)
		}
	}
}

// Edits re-index the complaint, keeping its messages searchable, and move
// its fingerprint.
func TestSearchFollowsUpdates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		eng := search.New(f.db)
		res, err := f.db.CreateComplaint(f.ctx, kesu.NewComplaint{Kind: kesu.KindComplaint, Channel: kesu.ChannelWeb,
			Title: "商品问题", Description: "质量问题", Customer: kesu.Customer{Phone: "13800000001"}}, f.agent, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		num := res.Complaint.Number
		if _, err := f.db.AddPost(f.ctx, num, kesu.NewPost{Body: "快递员把包裹放在门口丢了", Visibility: kesu.VisibilityCustomer}, f.agent, t0); err != nil {
			t.Fatal(err)
		}
		title, desc := "洗衣机漏水要换货", "洗衣机第一次用就漏水，要求换一台新的洗衣机"
		if _, err := f.db.UpdateComplaint(f.ctx, num, kesu.ComplaintPatch{Title: &title, Description: &desc}, f.agent, t0); err != nil {
			t.Fatal(err)
		}
		count := func(q string) int {
			page, err := eng.List(f.ctx, store.Filter{}, mustParse(t, q), search.Newest)
			if err != nil {
				t.Fatal(err)
			}
			return len(page.Items)
		}
		for q, want := range map[string]int{"换货": 1, "商品问题": 0, "质量": 0, "包裹": 1, "漏水 包裹": 1} {
			if got := count(q); got != want {
				t.Errorf("after the edit, %q finds %d, want %d", q, got, want)
			}
		}
		// A new complaint with the new text is a near duplicate of the edited one.
		rel, err := eng.Check(f.ctx, kesu.NewComplaint{Title: title, Description: desc, Customer: kesu.Customer{Phone: "13900000009"}}, t0)
		if err != nil || len(rel.Items) != 1 || rel.Items[0].Complaint.Number != num || rel.Items[0].Distance != 0 {
			t.Fatalf("check after edit: %+v %v", rel, err)
		}
	})
}
