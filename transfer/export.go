package transfer

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// ExportOptions configure Export.
type ExportOptions struct {
	Format Format
	// Filter selects the complaints; Limit and Cursor are ignored.
	Filter store.Filter
	// BOM starts a CSV file with a UTF-8 byte order mark, without which
	// Excel reads UTF-8 as the local code page and garbles Chinese.
	BOM bool
	// Location is the time zone of CSV times; nil means UTC. JSONL is
	// exactly the API's JSON, in UTC.
	Location *time.Location
	// Mask writes personal data masked (kesu.Complaint.Masked), for a
	// reader whose role may not see it.
	Mask bool
}

// Export writes the complaints matching opts.Filter to w, oldest first, and
// returns how many it wrote. It streams: memory does not grow with the
// number of complaints.
func Export(ctx context.Context, db *store.DB, w io.Writer, opts ExportOptions) (int, error) {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var write func(*kesu.Complaint) error
	flush := func() error { return nil } // the format's own buffer, into bw
	switch opts.Format {
	case JSONL:
		if opts.BOM {
			return 0, kesu.FieldError("bom", "a byte order mark is only for CSV")
		}
		enc := json.NewEncoder(bw) // Encode is json.Marshal plus a newline: the API's bytes
		write = func(c *kesu.Complaint) error { return enc.Encode(c) }
	case CSV:
		if opts.BOM {
			bw.Write(utf8BOM)
		}
		cw := csv.NewWriter(bw)
		if err := cw.Write(Columns()); err != nil {
			return 0, err
		}
		record := make([]string, len(columns))
		write = func(c *kesu.Complaint) error {
			for i, col := range columns {
				record[i] = escapeCell(col.get(c, opts.Location))
			}
			return cw.Write(record)
		}
		flush = func() error {
			cw.Flush()
			return cw.Error()
		}
	default:
		return 0, kesu.FieldError("format", "unknown format %q (jsonl or csv)", opts.Format)
	}
	n := 0
	err := db.EachComplaint(ctx, opts.Filter, func(c kesu.Complaint) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		n++
		if opts.Mask {
			c = c.Masked()
		}
		return write(&c)
	})
	if err != nil {
		return n, err
	}
	if err := flush(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}
