package email

import (
	"bytes"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// htmlToText renders an HTML body as clean plain text: scripts, styles and
// the head are dropped, block elements and <br> become line breaks, list
// items get a dash, links keep their address when it differs from the text.
func htmlToText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	var href string
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidyText(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(bytes.ReplaceAll(z.Text(), []byte("\u00a0"), []byte(" ")))
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			switch tag {
			case "script", "style", "head", "title", "noscript", "template":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch tag {
			case "br":
				b.WriteString("\n")
			case "p", "div", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "section", "article", "header", "footer":
				b.WriteString("\n")
			case "li":
				if tt == html.StartTagToken {
					b.WriteString("\n- ")
				}
			case "td", "th":
				if tt == html.StartTagToken {
					b.WriteString(" ")
				}
			case "hr":
				b.WriteString("\n----\n")
			case "a":
				if tt == html.StartTagToken && hasAttr {
					href = ""
					for {
						k, v, more := z.TagAttr()
						if string(k) == "href" {
							href = string(v)
						}
						if !more {
							break
						}
					}
				} else if tt == html.EndTagToken && strings.HasPrefix(href, "http") {
					if !strings.Contains(b.String()[max(0, b.Len()-len(href)-2):], href) {
						b.WriteString(" (" + href + ")")
					}
					href = ""
				}
			case "img":
				for hasAttr {
					k, v, more := z.TagAttr()
					if string(k) == "alt" && len(bytes.TrimSpace(v)) > 0 {
						b.WriteString("[" + string(v) + "]")
					}
					hasAttr = more
				}
			}
		}
	}
}

var (
	spaceRun = regexp.MustCompile(`[ \t\f\v\r]+`)
	blankRun = regexp.MustCompile(`\n{3,}`)
	enriched = regexp.MustCompile(`(?i)</?(bold|italic|fixed|underline|bigger|smaller|center|flushleft|flushright|indent|nofill|excerpt|param|color|fontfamily|paraindent|lang)>`)
)

// tidyText collapses runs of spaces and of blank lines.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(spaceRun.ReplaceAllString(l, " "))
	}
	return strings.TrimSpace(blankRun.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}

// stripEnriched removes text/enriched formatting commands.
func stripEnriched(s string) string {
	return tidyText(strings.ReplaceAll(enriched.ReplaceAllString(s, ""), "<<", "<"))
}

var metaCharset = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_:.+-]+)`)

// htmlCharset is the declared charset of an HTML part, or the one its
// <meta> names.
func htmlCharset(declared string, data []byte) string {
	if declared != "" {
		return declared
	}
	head := data
	if len(head) > 4096 {
		head = head[:4096]
	}
	if m := metaCharset.FindSubmatch(head); m != nil {
		return string(m[1])
	}
	return ""
}
