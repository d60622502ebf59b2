package store_test

import (
	"testing"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store/storetest"
	"github.com/kesu/kesu/tokenize"
)

// The near-duplicate lookup sees complaints created after its first use,
// follows an edited title, returns newest first and honours the distance.
func TestNearDuplicatesFollowWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		create := func(title, desc string) kesu.Complaint {
			t.Helper()
			in := sample()
			in.Title, in.Description = title, desc
			res, err := f.db.CreateComplaint(f.ctx, in, f.agent, t0, nil)
			if err != nil {
				t.Fatal(err)
			}
			return res.Complaint
		}
		ids := func(h uint64, exclude int64, maxDist int) []int64 {
			t.Helper()
			fps, err := f.db.NearDuplicates(f.ctx, h, exclude, maxDist, 10)
			if err != nil {
				t.Fatal(err)
			}
			out := []int64{}
			for _, fp := range fps {
				if d := tokenize.Distance(h, fp.Hash); d > maxDist {
					t.Errorf("complaint %d at distance %d > %d", fp.ComplaintID, d, maxDist)
				}
				out = append(out, fp.ComplaintID)
			}
			return out
		}
		leak := "洗衣机第二次使用就漏水，地板全湿了，要求上门维修并赔偿损失"
		other := "快递三天没有更新物流信息，客服电话一直打不通，要求尽快处理"
		a := create("洗衣机漏水", leak)
		hLeak := tokenize.SimHash("洗衣机漏水", leak)
		if got := ids(hLeak, 0, 0); len(got) != 1 || got[0] != a.ID {
			t.Fatalf("first lookup = %v, want [%d]", got, a.ID)
		}
		// Written after the copy was loaded: the catch-up finds them.
		b := create("洗衣机漏水", leak)
		c := create("物流太慢", other)
		if got := ids(hLeak, 0, 0); len(got) != 2 || got[0] != b.ID || got[1] != a.ID {
			t.Fatalf("after two more = %v, want [%d %d] (newest first)", got, b.ID, a.ID)
		}
		if got := ids(hLeak, b.ID, 0); len(got) != 1 || got[0] != a.ID {
			t.Fatalf("excluding %d = %v", b.ID, got)
		}
		hOther := tokenize.SimHash("物流太慢", other)
		if d := tokenize.Distance(hLeak, hOther); d < 10 {
			t.Fatalf("test texts too close: %d bits", d)
		}
		if got := ids(hOther, 0, 3); len(got) != 1 || got[0] != c.ID {
			t.Fatalf("other text = %v, want [%d]", got, c.ID)
		}
		// Editing a's text moves its fingerprint.
		title, desc := "物流太慢", other
		if _, err := f.db.UpdateComplaint(f.ctx, a.Number, kesu.ComplaintPatch{Title: &title, Description: &desc}, f.agent, t0); err != nil {
			t.Fatal(err)
		}
		if got := ids(hLeak, 0, 0); len(got) != 1 || got[0] != b.ID {
			t.Fatalf("after the edit, leak text = %v, want [%d]", got, b.ID)
		}
		if got := ids(hOther, 0, 0); len(got) != 2 || got[0] != c.ID || got[1] != a.ID {
			t.Fatalf("after the edit, other text = %v, want [%d %d]", got, c.ID, a.ID)
		}
	})
}
