package benchload

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/kesu/kesu"
)

// Generator makes varied, realistic intake requests: Chinese titles and
// descriptions of very different lengths, phone-only and phone+email
// customers, order numbers, amounts and expectations. The same seed and
// sequence number always give the same complaint, so a test can rebuild
// what it sent.
type Generator struct {
	Seed uint64
	// Now anchors occurred_at (always before Now); the generator never reads
	// the clock.
	Now time.Time
	// Categories are codes that exist on the server; empty means complaints
	// carry no category.
	Categories []string
	// RunID makes external ids unique across runs against one database.
	RunID string
}

// scenario is one kind of trouble customers write about.
type scenario struct {
	titles    []string
	sentences []string
	remedies  []kesu.Remedy
	nature    kesu.Nature
	tags      []string
}

var scenarios = []scenario{
	{
		titles: []string{"快递三天没有更新物流信息", "包裹显示已签收但本人没有收到", "配送员未经同意把快递放在驿站",
			"物流太慢，说好次日达结果等了一周", "快递外包装破损，商品被压坏"},
		sentences: []string{"物流信息从上周五开始就一直停在转运中心，没有任何更新。",
			"我打了快递网点的电话，一直没人接听。", "签收记录显示是门卫代收，但门卫说根本没见过这个包裹。",
			"配送员没有打电话，也没有短信通知，直接放到了两公里外的驿站。",
			"外箱明显被挤压变形，里面的商品边角全部碎裂。", "这是给老人买的生日礼物，现在已经错过了生日。"},
		remedies: []kesu.Remedy{kesu.RemedyRefund, kesu.RemedyReplacement, kesu.RemedyCompensation, kesu.RemedyExplanation},
		nature:   kesu.NatureService, tags: []string{"物流", "催单", "签收异常"},
	},
	{
		titles: []string{"新买的洗衣机脱水时噪音很大", "手机使用一周后频繁自动重启", "空调安装后不制冷",
			"电饭煲内胆涂层脱落", "扫地机器人充电座无法充电", "收到的羽绒服有明显色差和线头"},
		sentences: []string{"脱水的时候整台机器剧烈晃动，声音像拖拉机一样，邻居都来敲门了。",
			"手机每天会自动重启三四次，正在通话的时候也会突然黑屏。", "开机两个小时室内温度一点都没有下降，出风口吹的是热风。",
			"用了不到一个月，内胆上的涂层就一片一片地脱落，担心吃进肚子里对身体有害。",
			"充电座的指示灯不亮，换了插座也一样，机器人电量一直是零。",
			"实物颜色和详情页差别很大，袖口还有很多没剪干净的线头。", "售后说要寄回检测，来回至少半个月，我不能接受。"},
		remedies: []kesu.Remedy{kesu.RemedyRepair, kesu.RemedyExchange, kesu.RemedyRefund, kesu.RemedyExtendedWarranty},
		nature:   kesu.NatureProduct, tags: []string{"质量问题", "售后", "故障"},
	},
	{
		titles: []string{"客服态度恶劣，直接挂断电话", "门店店员推销时误导消费者", "在线客服答非所问，问题拖了半个月",
			"维修师傅上门迟到三个小时", "会员积分被无故清零"},
		sentences: []string{"我只是询问退货流程，客服语气很不耐烦，说了两句就把电话挂了。",
			"店员说这个套餐每个月只要三十九元，结果第一个月就扣了一百二十九元。",
			"每次联系在线客服都是机器人回复，转人工要排队一个多小时。", "约好上午九点上门，我请了半天假，师傅十二点才到，也没有提前告知。",
			"账户里攒了三年的两万多积分，这个月突然全部清零，没有收到任何通知。", "希望贵公司加强员工培训，给我一个合理的解释。"},
		remedies: []kesu.Remedy{kesu.RemedyApology, kesu.RemedyExplanation, kesu.RemedyCompensation, kesu.RemedyOther},
		nature:   kesu.NatureService, tags: []string{"服务态度", "误导销售", "投诉升级"},
	},
	{
		titles: []string{"申请退款十天仍未到账", "下单后第二天降价，要求补差价", "重复扣款两次",
			"取消订单后优惠券没有退回", "发票开错抬头，要求重开"},
		sentences: []string{"退款申请显示商家已同意，但是十天过去了钱还没有退回到我的银行卡。",
			"我前一天按原价下单，第二天同款就降价了两百元，客服说不能补差价。",
			"银行短信显示同一笔订单扣了两次款，订单页面却只有一条记录。",
			"订单取消以后，使用的满减优惠券没有退回，现在已经过期了。",
			"公司报销需要增值税专用发票，开出来的抬头和税号都是错的。", "请尽快处理，不然我会向12315和消费者协会投诉。"},
		remedies: []kesu.Remedy{kesu.RemedyRefund, kesu.RemedyCompensation, kesu.RemedyOther},
		nature:   kesu.NatureService, tags: []string{"退款", "价格", "支付"},
	},
	{
		titles: []string{"外卖送达时汤洒了一半", "菜品中吃出异物", "堂食等餐超过一小时", "生日蛋糕与预订款式不符"},
		sentences: []string{"外卖送到的时候袋子里全是汤，包装盒的盖子没有扣好。",
			"吃到一半发现米饭里有一根头发，非常恶心，孩子当场就吐了。",
			"我们点完菜等了一个多小时，后来的客人都吃完了，我们的菜还没上齐。",
			"预订的是奶油水果蛋糕，送来的是巧克力的，生日聚会都被耽误了。", "已经拍照和录像留存证据。"},
		remedies: []kesu.Remedy{kesu.RemedyRefund, kesu.RemedyApology, kesu.RemedyCompensation},
		nature:   kesu.NatureProduct, tags: []string{"食品安全", "餐饮", "配送"},
	},
}

// genericSentences pad descriptions to realistic lengths.
var genericSentences = []string{
	"我是贵公司的老客户了，一直很信任你们的品牌。", "这件事已经严重影响了我的正常生活和工作。",
	"之前已经反映过两次，每次都说会有专人跟进，但是一直没有下文。", "相关的聊天记录、订单截图和付款凭证我都保存好了。",
	"周末家里没人，请工作日晚上六点以后联系我。", "如果三个工作日内没有答复，我会在微博和小红书上曝光。",
	"希望你们认真对待消费者的诉求，不要再互相推诿。", "家里老人不会用手机，麻烦电话沟通的时候说慢一点。",
	"Order page shows delivered, but nothing arrived.", "我朋友也遇到过同样的问题，看来不是个例。",
}

var (
	surnames   = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "欧阳", "司马"}
	givenNames = []string{"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "子涵", "浩然"}
	pinyin     = []string{"wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xiaoming", "lili", "tiger", "sunny"}
	mailHosts  = []string{"qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com"}
	products   = []struct{ name, model, price string }{
		{"滚筒洗衣机", "XQG100-B14", "3299.00"}, {"智能手机", "Nova 12 Pro 256G", "3999.00"},
		{"变频空调", "KFR-35GW", "2899.00"}, {"电饭煲", "IH-40FZ", "599.00"}, {"扫地机器人", "T20 Max", "2499.00"},
		{"羽绒服", "女款长款 M", "899.00"}, {"外卖套餐", "", "46.50"}, {"生日蛋糕", "8寸水果款", "268.00"},
		{"宽带套餐", "500M 两年", "1299.00"}, {"运动鞋", "42码", "459.00"},
	}
	locations    = []string{"上海市浦东新区", "北京市朝阳区", "广州市天河区", "深圳市南山区", "成都市武侯区", "杭州市西湖区", "武汉市洪山区", ""}
	orderPrefix  = []string{"JD", "TB", "PDD", "MT", "SN", ""}
	phonePrefix  = []string{"130", "135", "138", "139", "150", "158", "177", "186", "188", "199"}
	channelsBias = []kesu.Channel{kesu.ChannelPhone, kesu.ChannelPhone, kesu.ChannelWeb, kesu.ChannelWeChat, kesu.ChannelWeChat,
		kesu.ChannelEmail, kesu.ChannelStore, kesu.ChannelAPI, kesu.ChannelAPI, kesu.ChannelRegulator}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// Complaint returns the intake request number seq.
func (g *Generator) Complaint(seq int64) kesu.NewComplaint {
	r := rand.New(rand.NewPCG(g.Seed, uint64(seq)))
	sc := pick(r, scenarios)
	prod := pick(r, products)
	in := kesu.NewComplaint{
		Kind:     kesu.KindComplaint,
		Channel:  pick(r, channelsBias),
		Title:    pick(r, sc.titles),
		Nature:   sc.nature,
		Product:  prod.name,
		Location: pick(r, locations),
		Customer: kesu.Customer{
			Name:  pick(r, surnames) + pick(r, givenNames),
			Phone: pick(r, phonePrefix) + fmt.Sprintf("%08d", r.IntN(100000000)),
		},
	}
	switch n := r.IntN(20); {
	case n == 0:
		in.Kind = kesu.KindSuggestion
	case n < 3:
		in.Kind = kesu.KindFeedback
	}
	switch n := r.IntN(20); {
	case n == 0:
		in.Level = kesu.LevelCritical
		in.Priority = kesu.PriorityUrgent
	case n < 4:
		in.Level = kesu.LevelMajor
		in.Priority = kesu.PriorityHigh
	}
	if r.IntN(2) == 0 {
		in.Timing = kesu.TimingDelayed
	}
	if in.Channel == kesu.ChannelEmail || r.IntN(3) == 0 { // phone+email customers; the rest phone only
		in.Customer.Email = fmt.Sprintf("%s%d@%s", pick(r, pinyin), r.IntN(10000), pick(r, mailHosts))
	}
	if prod.model != "" {
		in.ProductModel = prod.model
	}
	if p := pick(r, orderPrefix); p != "" {
		in.OrderNo = fmt.Sprintf("%s%d%010d", p, 2024+r.IntN(2), r.Int64N(1e10))
		in.Amount, _ = kesu.ParseMoney(prod.price)
	}
	if in.Kind == kesu.KindComplaint {
		in.Expectation.Remedy = pick(r, sc.remedies)
		if in.Expectation.Remedy == kesu.RemedyRefund || in.Expectation.Remedy == kesu.RemedyCompensation {
			in.Expectation.Amount = in.Amount
			if in.Expectation.Amount == 0 {
				in.Expectation.Amount = kesu.Money(r.IntN(50000)+100) * 10
			}
		}
		if r.IntN(2) == 0 {
			in.Expectation.Note = "希望" + pick(r, []string{"三天内处理完毕。", "给一个书面答复。", "全额退款并道歉。", "上门更换新机。"})
		}
	}
	if r.IntN(3) == 0 {
		in.Tags = []string{pick(r, sc.tags)}
		if r.IntN(2) == 0 {
			in.Tags = append(in.Tags, pick(r, sc.tags))
		}
	}
	if len(g.Categories) > 0 && r.IntN(4) != 0 {
		in.Category = pick(r, g.Categories)
	}
	if !g.Now.IsZero() && r.IntN(3) != 0 {
		t := g.Now.Add(-time.Duration(r.IntN(30*24)+1) * time.Hour).UTC().Truncate(time.Second)
		in.OccurredAt = &t
	}
	if in.Channel == kesu.ChannelAPI || in.Channel == kesu.ChannelRegulator {
		// Integrations carry their own reference.
		in.ExternalID = fmt.Sprintf("crm-%s-%d", g.RunID, seq)
	}
	in.Description = g.description(r, sc, in)
	return in
}

// description writes one to many sentences: most complaints are a few
// lines, some are a long letter.
func (g *Generator) description(r *rand.Rand, sc scenario, in kesu.NewComplaint) string {
	var b strings.Builder
	if in.OrderNo != "" {
		fmt.Fprintf(&b, "我在%d月%d日购买了%s，订单号%s，实付%s元。", r.IntN(12)+1, r.IntN(28)+1, in.Product, in.OrderNo, in.Amount)
	}
	n := 1 + r.IntN(3)
	switch k := r.IntN(10); {
	case k == 0:
		n = 20 + r.IntN(30) // a long letter (about 1-2 thousand characters)
	case k < 3:
		n = 5 + r.IntN(5)
	}
	for i := 0; i < n; i++ {
		if i%3 == 2 {
			b.WriteString(pick(r, genericSentences))
		} else {
			b.WriteString(pick(r, sc.sentences))
		}
		if r.IntN(8) == 0 {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// wireComplaint is the intake request as a client sends it: only the fields
// it has. (kesu.NewComplaint marshals every field, empty ones included.)
type wireComplaint struct {
	Kind        kesu.Kind         `json:"kind,omitempty"`
	Channel     kesu.Channel      `json:"channel,omitempty"`
	Title       string            `json:"title,omitempty"`
	Description string            `json:"description"`
	Customer    kesu.Customer     `json:"customer"`
	Nature      kesu.Nature       `json:"nature,omitempty"`
	Timing      kesu.Timing       `json:"timing,omitempty"`
	Level       kesu.Level        `json:"level,omitempty"`
	Priority    kesu.Priority     `json:"priority,omitempty"`
	Category    string            `json:"category,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	Product     string            `json:"product,omitempty"`
	Model       string            `json:"product_model,omitempty"`
	OrderNo     string            `json:"order_no,omitempty"`
	Amount      *kesu.Money       `json:"amount,omitempty"`
	Location    string            `json:"location,omitempty"`
	Expectation *kesu.Expectation `json:"expectation,omitempty"`
	OccurredAt  *time.Time        `json:"occurred_at,omitempty"`
	ExternalID  string            `json:"external_id,omitempty"`
}

// Marshal renders an intake request the way a client would send it.
func Marshal(in kesu.NewComplaint) []byte {
	w := wireComplaint{Kind: in.Kind, Channel: in.Channel, Title: in.Title, Description: in.Description,
		Customer: in.Customer, Nature: in.Nature, Timing: in.Timing, Level: in.Level, Priority: in.Priority,
		Category: in.Category, Tags: in.Tags, Product: in.Product, Model: in.ProductModel, OrderNo: in.OrderNo,
		Location: in.Location, OccurredAt: in.OccurredAt, ExternalID: in.ExternalID}
	if in.Amount != 0 {
		w.Amount = &in.Amount
	}
	if in.Expectation != (kesu.Expectation{}) {
		w.Expectation = &in.Expectation
	}
	b, err := json.Marshal(w)
	if err != nil {
		panic(err) // only plain strings, numbers and times: cannot fail
	}
	return b
}

// Body is the JSON of request seq.
func (g *Generator) Body(seq int64) []byte { return Marshal(g.Complaint(seq)) }
