package i18n

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kesu/kesu"
)

// Error messages. The API answers in English (developers read it, and
// clients match on the code and field, not the text); a page shows the same
// error in the reader's language. kesu.Error keeps the format its message
// was made from, and errorTexts translates the formats staff and customers
// meet on forms. A format missing here is shown in English.
var errorTexts = map[string]string{
	// Input
	"is required":                          "必填",
	"missing":                              "必填",
	"must be at most %d characters":        "最多 %d 个字符",
	"must not be negative":                 "不能为负数",
	"not an amount such as 199.00":         "金额格式应如 199.00",
	"not a phone number":                   "不是有效的电话号码",
	"not a valid email address":            "不是有效的电子邮箱地址",
	"not a date and time":                  "不是有效的日期时间",
	"is after the registration time":       "不能晚于登记时间",
	"is in the future":                     "不能是将来的时间",
	"contains a NUL character":             "含有无效字符",
	"is not valid UTF-8":                   "含有无效字符（不是 UTF-8 文本）",
	"at most %d tags":                      "最多 %d 个标签",
	"must be 1 to 5":                       "应为 1 到 5",
	"must be 0 to %d":                      "应为 0 到 %d",
	"must be 0 to 3":                       "应为 0 到 3",
	"must be full, partial or no":          "应为全部、部分或不成立",
	"must be internal or customer":         "应为内部或客户可见",
	"must be at least 10 characters":       "至少 10 个字符",
	"must be at most 72 bytes":             "太长（最多 72 字节）",
	"choose a file":                        "请选择文件",
	"unknown value %q; expected one of %s": "无效的值 %q，应为以下之一：%s",
	"unknown remedy %q":                    "无效的补救方式 %q",
	"unknown level %q":                     "无效的级别 %q",
	"unknown kind %q":                      "无效的类型 %q",
	"unknown status %q":                    "无效的状态 %q",
	"unknown channel %q":                   "无效的渠道 %q",
	"unknown role %q":                      "无效的角色 %q",
	"unknown role %q; expected one of %s":  "无效的角色 %q，应为以下之一：%s",
	"a complaint needs a phone number, an email address or a messaging id to reach the customer": "请至少填写客户的电话、电子邮箱或微信等联系方式之一",
	"the file is too large or the form is malformed":                                             "文件太大或表单格式有误",
	"the form expired or came from another site; reload the page and try again":                  "表单已过期或来源不明，请刷新页面后重试",
	"malformed form": "表单格式有误",

	// Lifecycle and handling
	"action %s is not allowed in status %s":                                "投诉当前的状态（%[2]s）不允许“%[1]s”",
	"complaint %s is %s and can no longer change":                          "投诉 %s 的状态为“%s”，不能再修改",
	"complaint %s was changed by someone else; reload and retry":           "投诉 %s 刚被他人修改，请刷新后重试",
	"a department is required":                                             "请选择部门",
	"no active department %q":                                              "没有启用的部门 %q",
	"no active category %q":                                                "没有启用的分类 %q",
	"no complaint %s":                                                      "没有编号为 %s 的投诉",
	"is not a complaint number":                                            "不是投诉编号",
	"a complaint cannot be merged into itself":                             "投诉不能合并到自身",
	"a complaint cannot be linked to itself":                               "投诉不能关联到自身",
	"complaint %s is itself merged; merge into the one it was merged into": "投诉 %s 本身已被合并，请合并到它所并入的投诉",
	"the number of the complaint to merge into is required":                "请填写要合并到的投诉编号",
	"a reject reason is required: one of %s":                               "请选择不予受理的原因：%s",
	"dismissing an appeal names the recourse: one of %s":                   "驳回申诉需注明客户的其他救济途径：%s",
	"a remedy is required: one of %s":                                      "请选择补救方式：%s",
	"an objection needs the customer's reason":                             "客户异议需要填写理由",
	"a return (退单) needs a reason":                                         "退单需要填写理由",
	"an approval is only needed for an amount":                             "只有涉及金额的方案需要审批",
	"the appeal window of %d days has passed":                              "已超过 %d 天的申诉期限",
	"the appeal was dismissed; the customer was referred to %s":            "申诉已被驳回，已告知客户可通过%s解决",
	"a %s complaint starts at escalation %d":                               "%s投诉的督办级别至少为 %d",

	// Permissions
	"role %s lacks the permission %s":                  "您的角色（%s）没有此权限（%s）",
	"role %s may not %s a complaint":                   "您的角色（%s）不能对投诉执行“%s”",
	"role %s may not edit complaints":                  "您的角色（%s）不能修改投诉",
	"role %s may not post on complaints":               "您的角色（%s）不能在投诉上留言",
	"complaint %s belongs to another department":       "投诉 %s 属于其他部门",
	"the amount %s is above your approval limit of %s": "金额 %s 超过了您的审批权限 %s",
	"staff only": "仅限工作人员",
	"this would leave no active administrator": "这样将没有可用的管理员账号",
	"role %s needs a department":               "角色 %s 需要所属部门",
	"already exists":                           "已存在",
	"refers to something that does not exist":  "引用的对象不存在",
	"not found":    "未找到",
	"no such page": "没有这个页面，请检查地址或从导航进入",
}

var _ = func() bool {
	for en, zh := range errorTexts {
		if strings.Count(en, "%") != strings.Count(zh, "%") {
			duplicates = append(duplicates, "error text with other verbs: "+en)
		}
	}
	return true
}()

// ErrorText is err's message for a page in lang: a kesu.Error in the
// reader's language where the catalog has its format, after the field it
// names ("标题：必填"). Other errors are not shown verbatim.
func ErrorText(lang Lang, err error) string {
	var e *kesu.Error
	if !errors.As(err, &e) {
		return T(lang, "error.internal")
	}
	msg := e.Message
	format := e.Format
	if format == "" {
		format = e.Message
	}
	if zh, ok := errorTexts[format]; ok && lang != EN {
		args := make([]any, len(e.Args))
		for i, a := range e.Args {
			args[i] = codeLabel(lang, a)
		}
		msg = fmt.Sprintf(zh, args...)
	}
	if label := FieldLabel(lang, e.Field); label != "" {
		sep := "："
		if lang == EN {
			sep = ": "
		}
		return label + sep + msg
	}
	return msg
}

// FieldLabel names a field of a form or request ("customer.phone") in lang:
// its catalog label "field.customer_phone", else that of its last part
// ("field.phone"), else "".
func FieldLabel(lang Lang, field string) string {
	if field == "" {
		return ""
	}
	for _, key := range []string{"field." + strings.ReplaceAll(field, ".", "_"), "field." + field[strings.LastIndexByte(field, '.')+1:]} {
		if Has(lang, key) {
			return T(lang, key)
		}
	}
	return ""
}

// codeLabel names a domain code in lang (a status, action, role, level or
// permission); other values stay as they are.
func codeLabel(lang Lang, v any) any {
	var key string
	switch c := v.(type) {
	case kesu.Status:
		key = "status." + string(c)
	case kesu.Action:
		key = "action." + string(c)
	case kesu.Role:
		key = "role." + string(c)
	case kesu.Level:
		key = "level." + string(c)
	case kesu.Permission:
		key = "perm." + string(c)
	default:
		return v
	}
	if Has(lang, key) {
		return T(lang, key)
	}
	return v
}
