package classify

import "math/rand/v2"

// sampleVocabulary is a small synthetic complaint language: per category,
// words that signal it, in Chinese and English. SampleExamples composes
// texts from them with neutral filler, so tests can check that a model
// learns the signal and generalises to texts it has not seen.
var sampleVocabulary = map[string][]string{
	"logistics": {"物流", "快递", "配送", "送货", "包裹", "发货慢", "delivery", "courier", "parcel", "shipping", "late arrival"},
	"quality":   {"质量", "漏水", "坏了", "故障", "破损", "异响", "broken", "defective", "leaking", "stopped working", "cracked"},
	"service":   {"态度", "客服", "不理睬", "挂电话", "推诿", "敷衍", "rude", "agent", "hung up", "ignored", "unhelpful staff"},
	"billing":   {"收费", "扣款", "多收", "手续费", "利息", "退款", "charged twice", "fee", "interest", "refund", "overcharged"},
}

var sampleFiller = []string{
	"我于上周在贵公司购买了产品", "希望尽快处理", "已经等了很久", "请给个说法", "这是第二次了",
	"订单号 ORD-20261123", "联系电话 138****5678", "I bought it last week", "please fix this", "order 4411",
	"this is the second time", "I am very disappointed", "我要求解决",
}

// SampleExamples returns a deterministic synthetic labelled set (400
// complaints in four categories, Chinese, English and mixed).
func SampleExamples() []Example {
	return sampleSet(rand.New(rand.NewPCG(7, 11)), 400)
}

func sampleSet(rng *rand.Rand, n int) []Example {
	labels := []string{"billing", "logistics", "quality", "service"}
	out := make([]Example, 0, n)
	for i := 0; i < n; i++ {
		label := labels[i%len(labels)]
		words := sampleVocabulary[label]
		text := sampleFiller[rng.IntN(len(sampleFiller))]
		for k := 0; k < 2; k++ {
			text += "，" + words[rng.IntN(len(words))] + "，" + sampleFiller[rng.IntN(len(sampleFiller))]
		}
		out = append(out, Example{Text: text, Label: label})
	}
	return out
}
