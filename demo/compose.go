package demo

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
)

// fill replaces {name} placeholders with vars; unknown ones stay, so that
// {number} and {target} survive until the complaint numbers are known.
func fill(s string, vars map[string]string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		key := s[i+1 : i+j]
		if v, ok := vars[key]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
}

// lang picks the Chinese or English side of t (Chinese if there is no English).
func (p *plan) lang(t text) string {
	if p.cust.en && t.en != "" {
		return t.en
	}
	return t.zh
}

func (p *plan) en() bool { return p.cust.en }

// compose writes the intake request: title, description in the customer's
// own words (or the agent's record of them), order, amount, expectation.
func (g *gen) compose(p *plan) {
	city := pick(g, cities)
	st := pick(g, storeSuffixes)
	occurred := p.reg.Add(-g.between(24*time.Hour, 60*24*time.Hour))
	if p.scen != nil && p.scen.immediate {
		occurred = p.reg.Add(-g.between(10*time.Minute, 6*time.Hour))
	}
	bought := occurred.Add(-g.between(3*24*time.Hour, 300*24*time.Hour)).In(g.loc)
	if p.prod != nil && (p.prod.kind == "parcel" || p.prod.kind == "food") {
		bought = occurred.Add(-g.between(time.Hour, 5*24*time.Hour)).In(g.loc)
	}
	v := map[string]string{
		"city": city.zh, "cityEN": city.en, "store": city.zh + st.zh, "storeEN": city.en + " " + st.en,
		"date":   fmt.Sprintf("%d月%d日", bought.Month(), bought.Day()),
		"visit":  fmt.Sprintf("%d月%d日", occurred.In(g.loc).Month(), occurred.In(g.loc).Day()),
		"dateEN": bought.Format("2 January"),
		"n":      strconv.Itoa(g.intn(2, 6)), "days": strconv.Itoa(g.intn(3, 15)),
		"gift": pick(g, gifts), "card": fmt.Sprintf("%04d", g.rng.IntN(10000)),
		"spec": pick(g, []string{"8GB+256GB", "一级能效", "变频", "512GB", "120Hz高刷屏"}),
	}
	if p.mergeInto >= 0 { // a duplicate speaks of the same purchase
		q := g.plans[p.mergeInto]
		for _, k := range purchaseKeys {
			if q.vars[k] != "" {
				v[k] = q.vars[k]
			}
		}
		p.price = q.price
	}
	amount := g.intn(3, 60) * 10
	v["amount"] = strconv.Itoa(amount)
	if p.prod != nil {
		v["p"], v["pEN"] = p.prod.name, p.prod.nameEN
		v["P"] = strings.ToUpper(p.prod.nameEN[:1]) + p.prod.nameEN[1:]
		if v["model"] == "" {
			v["model"] = pick(g, p.prod.models)
		}
		if p.spike == "battery" {
			v["model"] = "禾光动力 LB-60Ah"
		}
		if p.price == 0 {
			p.price = g.intn(p.prod.price[0], p.prod.price[1])
			p.price = p.price - p.price%10 + 9 // prices end in 9
			if p.prod.price[1] == 0 {
				p.price = 0
			}
		}
		v["price"] = strconv.Itoa(p.price)
		if v["order"] == "" {
			v["order"] = g.orderNo(p.prod.kind, bought)
		}
		v["via"] = fill(pick(g, vias), v)
	}
	p.claim = max(amount, p.price/5, 100) * g.intn(1, 3)
	p.claim -= p.claim % 50
	v["claim"] = strconv.Itoa(p.claim)
	p.vars = v

	in := kesu.NewComplaint{
		Kind:       p.kind,
		Channel:    p.channel,
		Customer:   p.cust.Customer,
		Level:      p.level,
		Priority:   priorityFor(p.level, g),
		ExternalID: fmt.Sprintf("demo-s%d-%06d", g.opt.Seed, p.index+1),
		Currency:   "CNY",
	}
	if g.chance(0.7) { // the agent classifies at intake; the web form leaves it to accept
		in.Category = "suggestions"
		if p.scen != nil {
			in.Category = p.scen.category
		}
	}
	if p.channel == kesu.ChannelWeb || p.channel == kesu.ChannelWeChat || p.channel == kesu.ChannelAPI {
		in.Category = "" // self-service channels do not classify
	}
	if p.prod != nil && p.kind == kesu.KindComplaint {
		in.Product, in.ProductModel = p.prod.name, v["model"]
		if p.prod.kind != "card" {
			in.OrderNo = v["order"]
		}
		in.Amount = kesu.Money(p.price * 100) // what was paid; a disputed charge instead when there is one
		if strings.Contains(p.prob.title, "{amount}") || strings.Contains(p.prob.detail, "{amount}") {
			in.Amount = kesu.Money(amount * 100)
		}
	}
	in.Location = city.zh
	if p.channel == kesu.ChannelStore || strings.Contains(p.prob.detail, "{store}") || strings.Contains(p.prob.title, "门店") {
		in.Location = v["store"]
	}
	if p.scen != nil && strings.HasPrefix(p.scen.category, "service_attitude") && g.chance(0.6) {
		in.StaffInvolved = "工号" + strconv.Itoa(g.intn(1001, 1399))
	}
	t := occurred.UTC()
	in.OccurredAt = &t

	if p.kind == kesu.KindComplaint {
		p.want = fill(p.lang(pick(g, wants[p.remedy])), v)
	}
	title, desc := g.narrative(p)
	in.Title, in.Description = title, desc
	if p.kind == kesu.KindComplaint {
		in.Expectation = kesu.Expectation{Remedy: p.remedy, Note: p.want}
		switch p.remedy {
		case kesu.RemedyRefund:
			in.Expectation.Amount = in.Amount
		case kesu.RemedyCompensation:
			in.Expectation.Amount = kesu.Money(p.claim * 100)
		}
		if g.chance(0.3) {
			ok := !(p.remedy == kesu.RemedyCompensation && p.claim > 1000) && g.chance(0.85)
			in.DemandReasonable = &ok
		}
	}
	var tags []string
	if p.spike == "battery" {
		tags = append(tags, "电池批次")
	}
	if p.spike == "logistics" {
		tags = append(tags, "大促积压")
	}
	if p.repeat {
		tags = append(tags, "重复投诉")
	}
	for _, w := range riskWords {
		if strings.Contains(desc, w) {
			tags = append(tags, "舆情风险")
			break
		}
	}
	if p.cust.VIP {
		tags = append(tags, "VIP")
	}
	in.Tags = tags
	p.in = in
	p.intake = g.intakeActor(p)
}

// purchaseKeys are the vars of a purchase, which a duplicate complaint
// shares with the one it duplicates.
var purchaseKeys = []string{"date", "dateEN", "order", "model", "card"}

// riskWords in a complaint call for attention (DOMAIN.md section 2).
var riskWords = []string{"媒体", "曝光", "记者", "律师", "起诉", "12315", "消协", "media", "lawyer", "sue"}

func priorityFor(l kesu.Level, g *gen) kesu.Priority {
	switch l {
	case kesu.LevelCritical:
		return kesu.PriorityUrgent
	case kesu.LevelMajor:
		return kesu.PriorityHigh
	}
	if g.chance(0.15) {
		return kesu.PriorityLow
	}
	return kesu.PriorityNormal
}

func (g *gen) orderNo(kind string, t time.Time) string {
	switch kind {
	case "parcel":
		return fmt.Sprintf("YD%012d", g.rng.Int64N(1e12))
	case "food":
		return fmt.Sprintf("WM%s%08d", t.Format("20060102"), g.rng.IntN(1e8))
	case "broadband":
		return fmt.Sprintf("KD0%d%08d", g.intn(10, 99), g.rng.IntN(1e8))
	case "card":
		return ""
	}
	return fmt.Sprintf("DD%s%06d", t.Format("20060102"), g.rng.IntN(1e6))
}

// opening is the first sentence: how the customer came to the product.
func (g *gen) opening(p *plan) string {
	switch p.prod.kind {
	case "appliance", "phone", "battery":
		return p.lang(pick(g, purchases))
	case "parcel":
		return p.lang(text{"我{date}网购的东西，运单号{order}，", "My parcel (waybill {order}) was shipped on {dateEN}; "})
	case "food":
		return p.lang(text{"{date}在平台上点的外卖，订单号{order}，", "I ordered food on {dateEN} (order {order}); "})
	case "card":
		return p.lang(text{"我是{model}持卡人，卡号尾号{card}。", "I hold a {model} ending in {card}. "})
	case "broadband":
		return p.lang(text{"我家办理的是{model}，宽带账号{order}。", "We have the {model} plan, account {order}. "})
	}
	return ""
}

// narrative composes title and description: short, medium or long, with
// the frame of the channel it came through.
func (g *gen) narrative(p *plan) (string, string) {
	v := p.vars
	en := p.en()
	title := fill(p.prob.title, v)
	detail := fill(p.prob.detail, v)
	if en && p.prob.titleEN != "" {
		title, detail = fill(p.prob.titleEN, v), fill(p.prob.detailEN, v)
	}
	if p.kind != kesu.KindComplaint {
		return title, g.frame(p, detail)
	}
	// Sentences are joined directly in Chinese and with spaces in English.
	var parts []string
	add := func(t string) {
		if t = strings.TrimSpace(t); t != "" {
			parts = append(parts, t)
		}
	}
	// story is the opening (if any) and the problem, as one or two sentences.
	story := func(opening string) string {
		opening = strings.TrimSpace(fill(opening, v))
		switch {
		case !en:
			return opening + detail + "。"
		case strings.HasSuffix(opening, ","):
			return opening + " " + detail + "."
		case opening == "":
			return capitalize(detail) + "."
		}
		return opening + " " + capitalize(detail) + "."
	}
	switch style := g.rng.Float64(); {
	case style < 0.2: // very short: a line typed in a hurry
		if en {
			add(title + ". " + p.want)
		} else {
			add(title + "，" + strings.TrimSuffix(p.want, "。") + pick(g, []string{"。", "！", "！！"}))
		}
	case style < 0.75:
		opening := ""
		if g.chance(0.6) {
			opening = g.opening(p)
		}
		add(story(opening))
		if g.chance(0.3) {
			add(p.lang(pick(g, emotions)))
		}
		add(p.want)
	default: // long and emotional
		add(story(g.opening(p)))
		add(fill(p.lang(pick(g, histories)), v))
		add(p.lang(pick(g, emotions)))
		if g.chance(0.4) {
			add(p.lang(pick(g, threats)))
		}
		add(p.want)
		if en {
			add(pick(g, closingsEN))
		} else {
			add(pick(g, closingsZh))
		}
	}
	if p.mergeInto >= 0 {
		parts = append([]string{p.lang(text{"之前已经通过其他渠道反映过这个问题，到现在还没解决，再投诉一次。",
			"I already reported this through another channel and nothing happened."})}, parts...)
	}
	joiner := ""
	if en {
		joiner = " "
	}
	return title, g.frame(p, strings.Join(parts, joiner))
}

// frame wraps the text the way each channel delivers it.
func (g *gen) frame(p *plan, body string) string {
	name := p.cust.Name
	if name == "" {
		name = "匿名用户"
	}
	if p.en() {
		switch p.channel {
		case kesu.ChannelEmail, kesu.ChannelLetter:
			return "Dear Sir or Madam,\n\n" + body + "\n\nRegards,\n" + name
		case kesu.ChannelPhone:
			return "Customer called (in English): " + body
		case kesu.ChannelRegulator:
			return "[Transferred by the 12315 platform] Consumer " + name + " reports: " + body
		}
		return body
	}
	switch p.channel {
	case kesu.ChannelPhone:
		return "客户来电反映：" + body
	case kesu.ChannelStore:
		return "客户到店反映：" + body
	case kesu.ChannelRegulator:
		return "【12315平台转办】消费者" + name + "反映：" + body + "\n请于规定时限内处理并反馈办理结果。"
	case kesu.ChannelLetter:
		return "尊敬的领导：\n您好！" + body + "\n此致\n敬礼！\n" + name
	case kesu.ChannelEmail:
		return "您好：\n" + body + "\n\n" + name
	case kesu.ChannelSocial:
		return "@禾光客服 " + body + " #" + strings.TrimSuffix(fill(p.prob.title, p.vars), "。") + "#"
	}
	return body
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// intakeActor is who registers the complaint: an agent for calls, visits,
// letters and regulator transfers; the channel itself for self-service.
func (g *gen) intakeActor(p *plan) kesu.Actor {
	switch p.channel {
	case kesu.ChannelWeb:
		return kesu.Actor{Role: kesu.RoleSystem, Name: "网站投诉表单"}
	case kesu.ChannelWeChat:
		return kesu.Actor{Role: kesu.RoleSystem, Name: "微信公众号"}
	case kesu.ChannelAPI:
		return kesu.Actor{Role: kesu.RoleSystem, Name: "电商平台接口"}
	case kesu.ChannelEmail:
		return kesu.Actor{Role: kesu.RoleSystem, Name: "投诉邮箱"}
	}
	return pick(g, g.st.agents)
}
