package intake

import (
	"net/http"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

var shop = store.IntakeSource{Name: "shop", Auth: store.IntakeHMAC, Secret: "0123456789abcdef0123", Channel: kesu.ChannelAPI, Active: true,
	Mapping: map[string]string{
		"external_id":    "/ticket/id",
		"description":    "ticket.body",
		"customer.phone": "/buyer/mobile",
		"customer.name":  "/buyer/nick~1name",
		"order_no":       "/order/items/0/sku",
		"amount":         "/order/total",
		"registered_at":  "/ticket/created",
		"tags":           "/labels",
	}}

func TestBuild(t *testing.T) {
	body := []byte(`{"ticket":{"id":9001,"body":"收到的耳机左耳没有声音","created":"2026-11-01 09:30"},
		"buyer":{"mobile":"13800138000","nick/name":"小王"},"order":{"items":[{"sku":"SKU-1"}],"total":199.5},
		"labels":["耳机","质量"],"title":"耳机无声"}`)
	in, err := Build(shop, body, time.FixedZone("CST", 8*3600))
	if err != nil {
		t.Fatal(err)
	}
	if in.ExternalID != "shop:9001" || in.Description != "收到的耳机左耳没有声音" || in.Customer.Phone != "13800138000" ||
		in.Customer.Name != "小王" || in.OrderNo != "SKU-1" || in.Amount != 19950 || in.Title != "耳机无声" ||
		len(in.Tags) != 2 || in.Channel != kesu.ChannelAPI || in.RegisteredAt == nil ||
		!in.RegisteredAt.Equal(time.Date(2026, 11, 1, 1, 30, 0, 0, time.UTC)) {
		t.Fatalf("%+v", in)
	}
	for _, bad := range []string{`[]`, `{"ticket":{"id":1}} {}`, `{"ticket":{"body":"x"}}`, `{"ticket":{"id":{"a":1}}}`,
		`{"ticket":{"id":1},"order":{"total":"abc"}}`, "{\"ticket\":{\"id\":\"\xff\"}}"} {
		if _, err := Build(shop, []byte(bad), time.UTC); kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	body := []byte(`{"a":1}`)
	h := http.Header{}
	h.Set(SignatureHeader, Sign(shop.Secret, body))
	if err := Authenticate(shop, h, body); err != nil {
		t.Fatal(err)
	}
	if err := Authenticate(shop, h, []byte(`{"a":2}`)); kesu.ErrorCodeOf(err) != kesu.EForbidden {
		t.Fatalf("tampered body: %v", err)
	}
	bearer := shop
	bearer.Auth = store.IntakeBearer
	h = http.Header{"Authorization": {"Bearer " + shop.Secret}}
	if err := Authenticate(bearer, h, body); err != nil {
		t.Fatal(err)
	}
	h.Set("Authorization", "Bearer nope")
	if err := Authenticate(bearer, h, body); kesu.ErrorCodeOf(err) != kesu.EForbidden {
		t.Fatal("wrong bearer accepted")
	}
	if err := ValidateMapping(map[string]string{"colour": "/x"}); err == nil {
		t.Fatal("unknown field accepted")
	}
}

func FuzzBuild(f *testing.F) {
	f.Add([]byte(`{"ticket":{"id":9001,"body":"耳机没声音"},"buyer":{"mobile":"13800138000"},"labels":["a",["b"]]}`))
	f.Add([]byte(`{"external_id":"x","description":"y","amount":1e400,"registered_at":"2026-01-01"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := Build(shop, b, time.UTC)
		if err != nil {
			if kesu.ErrorCodeOf(err) != kesu.EInvalid {
				t.Fatalf("error code %s: %v", kesu.ErrorCodeOf(err), err)
			}
			return
		}
		if _, err := in.Build(time.Now(), kesu.SystemActor); err != nil && kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Fatalf("domain Build: %v", err)
		}
	})
}
