package i18n

// Strings of the workspace's insight panels (package web, insight.go):
// classification suggestions, risk words, related complaints, similar
// closed cases and the duplicate check at intake.
var _ = add(map[string]Message{
	"complaint.suggestions":              {"建议分类", "Suggested classification"},
	"complaint.suggestions_none":         {"暂无建议（尚未训练模型）。", "No suggestions yet (no model has been trained)."},
	"complaint.suggest_field":            {"字段", "Field"},
	"complaint.suggest_value":            {"建议值", "Suggestion"},
	"complaint.suggest_confidence":       {"置信度", "Confidence"},
	"complaint.suggest_confirm":          {"确认", "Confirm"},
	"complaint.suggest_correct":          {"更正为", "Correct to"},
	"complaint.suggest_correct_btn":      {"更正", "Correct"},
	"complaint.suggest_pending":          {"待确认", "Pending"},
	"complaint.suggest_confirmed":        {"已确认", "Confirmed"},
	"complaint.suggest_corrected":        {"已更正为 %s", "Corrected to %s"},
	"complaint.suggest_field.category":   {"分类", "Category"},
	"complaint.suggest_field.level":      {"等级", "Level"},
	"complaint.suggest_field.department": {"责任部门", "Department"},
	"complaint.risk":                     {"风险提示", "Risk alert"},
	"complaint.risk_words":               {"风险词", "Risk words"},
	"complaint.risk_reason":              {"风险处理", "Risk action"},

	"complaint.related":               {"相关投诉", "Related complaints"},
	"complaint.related_none":          {"未发现相关投诉。", "No related complaints found."},
	"complaint.related_reasons":       {"关联原因", "Why related"},
	"complaint.related_distance":      {"文本差异 %d 位", "Text distance %d bits"},
	"complaint.related_merge":         {"将本投诉合并到 %s", "Merge this complaint into %s"},
	"complaint.related_link":          {"关联 %s", "Link %s"},
	"complaint.related_linked":        {"已关联", "Linked"},
	"complaint.repeat":                {"重复投诉客户：%d 天内 %d 次", "Repeat complainant: %[2]d complaints within %[1]d days"},
	"complaint.reason.near_duplicate": {"内容相近", "Near-duplicate text"},
	"complaint.reason.same_text":      {"内容相同", "Same text"},
	"complaint.reason.other_channel":  {"同一内容来自其他渠道", "Same text through another channel"},
	"complaint.reason.same_customer":  {"同一客户", "Same customer"},
	"complaint.reason.same_order":     {"同一订单", "Same order"},
	"complaint.reason.linked":         {"人工关联", "Linked by an agent"},

	"complaint.similar":            {"相似案例", "Similar closed cases"},
	"complaint.similar_none":       {"暂无相似的已结案例。", "No similar closed cases."},
	"complaint.similar_resolution": {"处理结果", "Resolution"},
	"complaint.similar_score":      {"相似度 %d%%", "Similarity %d%%"},

	"intake.dup_title": {"可能重复的投诉", "Possible duplicates"},
	"intake.dup_check": {"检查重复", "Check for duplicates"},
	"intake.dup_hint":  {"填写内容、电话或订单号后自动检查，也可按此按钮。", "Checked when the description, phone or order changes, or with this button."},
	"intake.dup_none":  {"未发现可能重复的投诉。", "No possible duplicates found."},
	"intake.dup_empty": {"请先填写内容、电话或订单号。", "Enter a description, phone or order number first."},
	"intake.dup_open":  {"查看", "Open"},
})
