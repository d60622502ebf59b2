package search

// messages are this package's user-facing texts, Chinese first, until the
// shared message catalog takes them over.
var messages = map[string][2]string{
	"invalid_utf8":    {"搜索内容不是有效的文字", "the query is not valid UTF-8 text"},
	"too_long":        {"搜索内容过长（最多 %[1]d 个字）", "the query is too long (at most %[1]d characters)"},
	"empty":           {"请输入要搜索的文字或数字", "nothing to search for: give words, characters or digits"},
	"too_many_terms":  {"搜索词过多（最多 %[1]d 个）", "too many terms (at most %[1]d)"},
	"too_many_tokens": {"搜索内容过长", "the query is too long"},
	"bad_order":       {"排序方式只能是 newest 或 rank", "order must be newest or rank"},
	"bad_cursor":      {"不是本接口返回的翻页标记", "not a cursor returned by this API"},
}

// msg is a message in both languages, as one error text.
func msg(key string) string {
	m := messages[key]
	return m[0] + " / " + m[1]
}
