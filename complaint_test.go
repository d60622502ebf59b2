package kesu_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kesu/kesu"
)

// minimalIntake is the least a hotline agent must type: what happened and a
// phone number.
func minimalIntake() kesu.NewComplaint {
	return kesu.NewComplaint{
		Description: "充电宝用了两周就鼓包了",
		Customer:    kesu.Customer{Phone: "13812345678"},
	}
}

func TestBuildDefaults(t *testing.T) {
	c, err := minimalIntake().Build(now, agent)
	if err != nil {
		t.Fatal(err)
	}
	want := kesu.Complaint{
		Status: kesu.StatusRegistered, Kind: kesu.KindComplaint, Channel: kesu.ChannelAPI,
		Title: "充电宝用了两周就鼓包了", Description: "充电宝用了两周就鼓包了",
		Customer: kesu.Customer{Phone: "13812345678"},
		Level:    kesu.LevelGeneral, Priority: kesu.PriorityNormal,
		Validity: kesu.ValidityPending, Intent: kesu.IntentGoodFaith,
		Tags: []string{}, CoDepartments: []string{}, Currency: "CNY",
		RegisteredAt: now, UpdatedAt: now, CreatedBy: agent.UserID,
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("Build:\n got %+v\nwant %+v", c, want)
	}
}

func TestBuildKeepsEveryField(t *testing.T) {
	occurred := now.Add(-48 * time.Hour)
	registered := now.Add(-24 * time.Hour)
	yes := true
	in := kesu.NewComplaint{
		Kind: kesu.KindComplaint, Channel: kesu.ChannelRegulator,
		Title: "  Power bank swelled  ", Description: "  It swelled.\nSecond line.  ",
		Customer: kesu.Customer{Name: " 王女士 ", Phone: "+86 138-1234-5678", Email: " Wang@Example.COM ", WeChatID: " wx_1 ", VIP: true},
		Nature:   kesu.NatureProduct, Timing: kesu.TimingDelayed, Level: kesu.LevelMajor, Priority: kesu.PriorityHigh,
		Category: " product_quality ", Tags: []string{" battery ", "battery", "", "recall"},
		Product: " PB-10 ", ProductModel: " 10000mAh ", OrderNo: " JD123 ", Amount: 19900, Currency: " cny ",
		StaffInvolved: " 李 ", Location: " 北京朝阳店 ",
		Expectation:      kesu.Expectation{Remedy: kesu.RemedyRefund, Amount: 19900, Note: "  full refund  "},
		DemandReasonable: &yes, OccurredAt: &occurred, RegisteredAt: &registered, ExternalID: " 12315-77 ",
	}
	c, err := in.Build(now, agent)
	if err != nil {
		t.Fatal(err)
	}
	want := kesu.Complaint{
		Status: kesu.StatusRegistered, Kind: kesu.KindComplaint, Channel: kesu.ChannelRegulator,
		Title: "Power bank swelled", Description: "It swelled.\nSecond line.",
		Customer: kesu.Customer{Name: "王女士", Phone: "+8613812345678", Email: "wang@example.com", WeChatID: "wx_1", VIP: true},
		Nature:   kesu.NatureProduct, Timing: kesu.TimingDelayed, Level: kesu.LevelMajor, Priority: kesu.PriorityHigh,
		Category: "product_quality", Validity: kesu.ValidityPending, Intent: kesu.IntentGoodFaith,
		Tags:    []string{"battery", "recall"},
		Product: "PB-10", ProductModel: "10000mAh", OrderNo: "JD123", Amount: 19900, Currency: "CNY",
		StaffInvolved: "李", Location: "北京朝阳店",
		Expectation:      kesu.Expectation{Remedy: kesu.RemedyRefund, Amount: 19900, Note: "full refund"},
		DemandReasonable: &yes, ExternalID: "12315-77",
		OccurredAt: &occurred, RegisteredAt: registered, UpdatedAt: now,
		CoDepartments: []string{}, Escalation: 1, CreatedBy: agent.UserID,
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("Build:\n got %+v\nwant %+v", c, want)
	}
}

func TestBuildContact(t *testing.T) {
	for _, tc := range []struct {
		name      string
		kind      kesu.Kind
		customer  kesu.Customer
		wantPhone string
		field     string // "" = accepted
	}{
		{"phone only", kesu.KindComplaint, kesu.Customer{Phone: "13812345678"}, "13812345678", ""},
		{"phone with spacing", kesu.KindComplaint, kesu.Customer{Phone: " 138 1234-5678 "}, "13812345678", ""},
		{"phone with brackets", kesu.KindComplaint, kesu.Customer{Phone: "(010) 6512\u00a03456"}, "01065123456", ""},
		{"international", kesu.KindComplaint, kesu.Customer{Phone: "+44 20 7946 0958"}, "+442079460958", ""},
		{"email only", kesu.KindComplaint, kesu.Customer{Email: "a@b.cn"}, "", ""},
		{"wechat only", kesu.KindComplaint, kesu.Customer{WeChatID: "oAbc123"}, "", ""},
		{"no contact", kesu.KindComplaint, kesu.Customer{Name: "匿名"}, "", "customer.phone"},
		{"blank contact", kesu.KindComplaint, kesu.Customer{Phone: "  ", Email: " ", WeChatID: " "}, "", "customer.phone"},
		{"anonymous feedback", kesu.KindFeedback, kesu.Customer{}, "", ""},
		{"anonymous suggestion", kesu.KindSuggestion, kesu.Customer{}, "", ""},
		{"letters in phone", kesu.KindComplaint, kesu.Customer{Phone: "138abc45678"}, "", "customer.phone"},
		{"short phone", kesu.KindComplaint, kesu.Customer{Phone: "1234"}, "", "customer.phone"},
		{"plus inside phone", kesu.KindComplaint, kesu.Customer{Phone: "138+12345678"}, "", "customer.phone"},
		{"long phone", kesu.KindComplaint, kesu.Customer{Phone: strings.Repeat("1", 21)}, "", "customer.phone"},
		{"bad email", kesu.KindComplaint, kesu.Customer{Email: "not-an-address"}, "", "customer.email"},
		{"named email", kesu.KindComplaint, kesu.Customer{Email: "Wang <w@b.cn>"}, "", "customer.email"},
		{"bad email on feedback", kesu.KindFeedback, kesu.Customer{Email: "x@"}, "", "customer.email"},
		{"long name", kesu.KindComplaint, kesu.Customer{Phone: "13812345678", Name: strings.Repeat("王", 101)}, "", "customer.name"},
		{"long wechat id", kesu.KindComplaint, kesu.Customer{WeChatID: strings.Repeat("w", 129)}, "", "customer.wechat_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := minimalIntake()
			in.Kind, in.Customer = tc.kind, tc.customer
			c, err := in.Build(now, agent)
			if tc.field != "" {
				wantErr(t, err, kesu.EInvalid, tc.field)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Customer.Phone != tc.wantPhone {
				t.Fatalf("phone %q, want %q", c.Customer.Phone, tc.wantPhone)
			}
		})
	}
}

func TestBuildRefusesBadInput(t *testing.T) {
	future := now.Add(time.Hour)
	slightlyAhead := now.Add(4 * time.Minute) // clock skew between machines is tolerated
	past := now.Add(-24 * time.Hour)
	for _, tc := range []struct {
		name  string
		edit  func(*kesu.NewComplaint)
		field string // "" = accepted
	}{
		{"unknown kind", func(in *kesu.NewComplaint) { in.Kind = "praise" }, "kind"},
		{"unknown channel", func(in *kesu.NewComplaint) { in.Channel = "fax" }, "channel"},
		{"unknown nature", func(in *kesu.NewComplaint) { in.Nature = "price" }, "nature"},
		{"unknown timing", func(in *kesu.NewComplaint) { in.Timing = "later" }, "timing"},
		{"unknown level", func(in *kesu.NewComplaint) { in.Level = "catastrophic" }, "level"},
		{"unknown priority", func(in *kesu.NewComplaint) { in.Priority = "asap" }, "priority"},
		{"unknown remedy", func(in *kesu.NewComplaint) { in.Expectation.Remedy = "cash" }, "expectation.remedy"},
		{"level in capitals", func(in *kesu.NewComplaint) { in.Level = "MAJOR" }, "level"},
		{"no description", func(in *kesu.NewComplaint) { in.Description = "  \n " }, "description"},
		{"title at limit", func(in *kesu.NewComplaint) { in.Title = strings.Repeat("题", kesu.MaxTitle) }, ""},
		{"title too long", func(in *kesu.NewComplaint) { in.Title = strings.Repeat("题", kesu.MaxTitle+1) }, "title"},
		{"description at limit", func(in *kesu.NewComplaint) { in.Description = strings.Repeat("述", kesu.MaxDescription) }, ""},
		{"description too long", func(in *kesu.NewComplaint) { in.Description = strings.Repeat("述", kesu.MaxDescription+1) }, "description"},
		{"product too long", func(in *kesu.NewComplaint) { in.Product = strings.Repeat("p", kesu.MaxShortText+1) }, "product"},
		{"product model too long", func(in *kesu.NewComplaint) { in.ProductModel = strings.Repeat("p", kesu.MaxShortText+1) }, "product_model"},
		{"order number too long", func(in *kesu.NewComplaint) { in.OrderNo = strings.Repeat("1", 101) }, "order_no"},
		{"staff too long", func(in *kesu.NewComplaint) { in.StaffInvolved = strings.Repeat("s", kesu.MaxShortText+1) }, "staff_involved"},
		{"location too long", func(in *kesu.NewComplaint) { in.Location = strings.Repeat("l", kesu.MaxShortText+1) }, "location"},
		{"expectation note too long", func(in *kesu.NewComplaint) { in.Expectation.Note = strings.Repeat("n", 2001) }, "expectation.note"},
		{"external id too long", func(in *kesu.NewComplaint) { in.ExternalID = strings.Repeat("e", 201) }, "external_id"},
		{"invalid UTF-8 in description", func(in *kesu.NewComplaint) { in.Description = "bad \xc3\x28 byte" }, "description"},
		{"invalid UTF-8 in title", func(in *kesu.NewComplaint) { in.Title = "\xff" }, "title"},
		{"NUL in description", func(in *kesu.NewComplaint) { in.Description = "a\x00b" }, "description"},
		{"NUL in customer name", func(in *kesu.NewComplaint) { in.Customer.Name = "a\x00b" }, "customer.name"},
		{"NUL in location", func(in *kesu.NewComplaint) { in.Location = "a\x00b" }, "location"},
		{"bad category code", func(in *kesu.NewComplaint) { in.Category = "产品质量" }, "category"},
		{"category with capitals", func(in *kesu.NewComplaint) { in.Category = "Quality" }, "category"},
		{"bad currency", func(in *kesu.NewComplaint) { in.Currency = "RMB1" }, "currency"},
		{"lowercase currency is fixed", func(in *kesu.NewComplaint) { in.Currency = "usd" }, ""},
		{"negative amount", func(in *kesu.NewComplaint) { in.Amount = -1 }, "amount"},
		{"negative expected amount", func(in *kesu.NewComplaint) { in.Expectation.Amount = -100 }, "expectation.amount"},
		{"future registration", func(in *kesu.NewComplaint) { in.RegisteredAt = &future }, "registered_at"},
		{"registration within skew", func(in *kesu.NewComplaint) { in.RegisteredAt = &slightlyAhead }, ""},
		{"historic registration", func(in *kesu.NewComplaint) { in.RegisteredAt = &past }, ""},
		{"occurred after registration", func(in *kesu.NewComplaint) { in.OccurredAt = &future }, "occurred_at"},
		{"occurred after historic registration", func(in *kesu.NewComplaint) { in.RegisteredAt, in.OccurredAt = &past, &slightlyAhead }, "occurred_at"},
		{"occurred before registration", func(in *kesu.NewComplaint) { in.OccurredAt = &past }, ""},
		{"too many tags", func(in *kesu.NewComplaint) {
			for i := range kesu.MaxTags + 1 {
				in.Tags = append(in.Tags, "t"+string(rune('a'+i)))
			}
		}, "tags"},
		{"tag too long", func(in *kesu.NewComplaint) { in.Tags = []string{strings.Repeat("标", 51)} }, "tags"},
		{"NUL in tag", func(in *kesu.NewComplaint) { in.Tags = []string{"a\x00"} }, "tags"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := minimalIntake()
			tc.edit(&in)
			c, err := in.Build(now, agent)
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, kesu.EInvalid, tc.field)
			if !reflect.DeepEqual(c, kesu.Complaint{}) {
				t.Fatalf("an error came with a complaint: %+v", c)
			}
		})
	}
}

func TestBuildTitleFromDescription(t *testing.T) {
	long := strings.Repeat("很", 41)
	for _, tc := range []struct{ desc, title string }{
		{"短问题", "短问题"},
		{"  first line  \nsecond line", "first line"},
		{strings.Repeat("长", 40), strings.Repeat("长", 40)},
		{long, strings.Repeat("很", 40) + "…"},
		{long + "\nmore", strings.Repeat("很", 40) + "…"},
	} {
		in := minimalIntake()
		in.Description = tc.desc
		c, err := in.Build(now, agent)
		if err != nil {
			t.Fatalf("%q: %v", tc.desc, err)
		}
		if c.Title != tc.title {
			t.Errorf("description %q: title %q, want %q", tc.desc, c.Title, tc.title)
		}
	}
	// A title given is kept.
	in := minimalIntake()
	in.Title = "Given"
	if c, _ := in.Build(now, agent); c.Title != "Given" {
		t.Errorf("title %q, want the given one", c.Title)
	}
}

func TestBuildTags(t *testing.T) {
	in := minimalIntake()
	in.Tags = []string{" 电池 ", "电池", "", "  ", "recall", "Recall"}
	c, err := in.Build(now, agent)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"电池", "recall", "Recall"}; !reflect.DeepEqual(c.Tags, want) {
		t.Fatalf("tags %q, want %q", c.Tags, want)
	}
	// Twenty distinct tags after de-duplication are fine even if more were sent.
	in.Tags = nil
	for i := range kesu.MaxTags {
		in.Tags = append(in.Tags, "t"+string(rune('a'+i)), "t"+string(rune('a'+i)))
	}
	if c, err := in.Build(now, agent); err != nil || len(c.Tags) != kesu.MaxTags {
		t.Fatalf("%d tags, %v", len(c.Tags), err)
	}
}

func TestBuildEscalationFloor(t *testing.T) {
	for _, tc := range []struct {
		level kesu.Level
		vip   bool
		want  int
	}{
		{"", false, 0},
		{kesu.LevelGeneral, false, 0},
		{kesu.LevelGeneral, true, 1},
		{kesu.LevelMajor, false, 1},
		{kesu.LevelMajor, true, 1},
		{kesu.LevelCritical, false, 2},
		{kesu.LevelCritical, true, 2},
	} {
		in := minimalIntake()
		in.Level, in.Customer.VIP = tc.level, tc.vip
		c, err := in.Build(now, agent)
		if err != nil {
			t.Fatal(err)
		}
		if c.Escalation != tc.want {
			t.Errorf("level %q vip %v: escalation %d, want %d", tc.level, tc.vip, c.Escalation, tc.want)
		}
	}
}

func TestBuildDoesNotAliasInput(t *testing.T) {
	in := minimalIntake()
	in.Tags = []string{"a"}
	c, err := in.Build(now, agent)
	if err != nil {
		t.Fatal(err)
	}
	in.Tags[0] = "changed"
	if c.Tags[0] != "a" {
		t.Fatal("the complaint's tags alias the request's")
	}
}

func TestIsMobile(t *testing.T) {
	for phone, want := range map[string]bool{
		"13812345678":       true,
		"138 1234 5678":     true,
		"+86 138-1234-5678": true,
		"8613812345678":     true,
		"008613812345678":   true,
		"19912345678":       true,
		"12345678901":       false, // no mobile prefix 12
		"1381234567":        false, // 10 digits
		"138123456789":      false,
		"021-62345678":      false, // a landline
		"12345":             false,
		"+85291234567":      false, // Hong Kong: not a mainland mobile
		"":                  false,
	} {
		if got := kesu.IsMobile(phone); got != want {
			t.Errorf("IsMobile(%q) = %v, want %v", phone, got, want)
		}
	}
}
