package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/kesu/kesu/store"
)

// Poller reads every active account's mailbox: new messages (by UID, from
// where the last run stopped) go through the Ingester; then it waits with
// IMAP IDLE where the server offers it, or polls every account's interval.
// The mailbox itself is only read (BODY.PEEK), never changed.
type Poller struct {
	Ingester *Ingester
	DB       *store.DB
	Log      *slog.Logger
	// TLSConfig for tls and starttls accounts (nil: system roots).
	TLSConfig *tls.Config
	// Refresh is how often the account list is re-read (default 30s).
	Refresh time.Duration
}

// Run polls until ctx ends: one goroutine per active account, restarted
// with a back-off when its connection fails.
func (p *Poller) Run(ctx context.Context) error {
	refresh := p.Refresh
	if refresh == 0 {
		refresh = 30 * time.Second
	}
	type running struct {
		cancel  context.CancelFunc
		updated time.Time
	}
	active := map[int64]running{}
	var wg sync.WaitGroup
	defer func() {
		for _, r := range active {
			r.cancel()
		}
		wg.Wait()
	}()
	for {
		accounts, err := p.DB.EmailAccounts(ctx)
		if err != nil && ctx.Err() == nil {
			p.log().Warn("email: cannot read accounts", "err", err)
		}
		seen := map[int64]bool{}
		for _, a := range accounts {
			if !a.Active {
				continue
			}
			seen[a.ID] = true
			if r, ok := active[a.ID]; ok && r.updated.Equal(a.UpdatedAt) {
				continue
			} else if ok {
				r.cancel() // changed: restart with the new settings
			}
			actx, cancel := context.WithCancel(ctx)
			active[a.ID] = running{cancel: cancel, updated: a.UpdatedAt}
			wg.Go(func() { p.account(actx, a) })
		}
		for id, r := range active {
			if !seen[id] {
				r.cancel()
				delete(active, id)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(refresh):
		}
	}
}

func (p *Poller) log() *slog.Logger {
	if p.Log == nil {
		return slog.Default()
	}
	return p.Log
}

// account keeps one account's session going until ctx ends.
func (p *Poller) account(ctx context.Context, a store.EmailAccount) {
	backoff := time.Second
	for ctx.Err() == nil {
		err := p.session(ctx, a, true)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			p.recordError(a, err)
			p.log().Warn("email: mailbox session failed", "account", a.Name, "err", err, "retry_in", backoff)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Minute)
	}
}

func (p *Poller) recordError(a store.EmailAccount, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := p.Ingester.Clock.Now()
	_ = p.DB.RecordEmailPoll(ctx, a.ID, err.Error(), 0, now)
	_ = p.DB.RecordChannelHealth(ctx, "email", a.Name, false, err.Error(), now)
}

// PollOnce connects, takes in every new message and disconnects; for the
// CLI and tests.
func (p *Poller) PollOnce(ctx context.Context, a store.EmailAccount) error {
	err := p.session(ctx, a, false)
	if err != nil {
		p.recordError(a, err)
	}
	return err
}

// session logs in, takes in what is new and, when wait is set, keeps
// waiting for more (IDLE or polling) until ctx ends or the connection fails.
func (p *Poller) session(ctx context.Context, a store.EmailAccount, wait bool) error {
	newMail := make(chan struct{}, 1)
	opts := &imapclient.Options{
		TLSConfig: p.tlsConfig(a.Host),
		Dialer:    &net.Dialer{Timeout: 30 * time.Second},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case newMail <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	addr := net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
	var c *imapclient.Client
	var err error
	switch a.Security {
	case "tls":
		c, err = imapclient.DialTLS(addr, opts)
	case "starttls":
		c, err = imapclient.DialStartTLS(addr, opts)
	default:
		c, err = imapclient.DialInsecure(addr, opts)
	}
	if err != nil {
		return fmt.Errorf("connect %s: %w", addr, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.Login(a.Username, a.Password).Wait(); err != nil {
		return fmt.Errorf("login as %s: %w", a.Username, err)
	}
	sel, err := c.Select(a.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return fmt.Errorf("select %s: %w", a.Mailbox, err)
	}
	if sel.UIDValidity != a.UIDValidity {
		// A new mailbox, or one rebuilt by the server: its UIDs start over.
		// Messages taken in before are recognised by their content key.
		if err := p.DB.ResetEmailPosition(ctx, a.ID, sel.UIDValidity, p.Ingester.Clock.Now()); err != nil {
			return err
		}
		a.UIDValidity, a.LastUID = sel.UIDValidity, 0
	}
	idle := c.Caps().Has(imap.CapIdle) || c.Caps().Has(imap.CapIMAP4rev2)
	for {
		last, err := p.takeNew(ctx, c, &a)
		if err != nil {
			return err
		}
		a.LastUID = last
		if !wait {
			_ = c.Logout().Wait()
			return nil
		}
		interval := time.Duration(a.PollSeconds) * time.Second
		if idle {
			cmd, err := c.Idle()
			if err != nil {
				return fmt.Errorf("idle: %w", err)
			}
			select {
			case <-ctx.Done():
			case <-newMail:
			case <-time.After(interval * 10): // a safety net; servers end IDLE after 30 minutes
			}
			if err := cmd.Close(); err != nil {
				return fmt.Errorf("idle: %w", err)
			}
			if err := cmd.Wait(); err != nil {
				return fmt.Errorf("idle: %w", err)
			}
		} else {
			select {
			case <-ctx.Done():
			case <-time.After(interval):
			}
			if err := c.Noop().Wait(); err != nil {
				return fmt.Errorf("noop: %w", err)
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

func (p *Poller) tlsConfig(host string) *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if p.TLSConfig != nil {
		cfg = p.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	return cfg
}

// takeNew takes in the messages after a.LastUID, one by one in UID order;
// each one's transaction moves the account's position past it. It returns
// the new last UID.
func (p *Poller) takeNew(ctx context.Context, c *imapclient.Client, a *store.EmailAccount) (uint32, error) {
	var set imap.UIDSet
	set.AddRange(imap.UID(a.LastUID+1), 0) // LastUID+1:*
	msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true}).Collect()
	if err != nil {
		return a.LastUID, fmt.Errorf("fetch uids: %w", err)
	}
	var uids []imap.UID
	for _, m := range msgs {
		if uint32(m.UID) > a.LastUID { // n:* always includes the last message
			uids = append(uids, m.UID)
		}
	}
	slices.Sort(uids)
	last := a.LastUID
	section := &imap.FetchItemBodySection{Peek: true}
	for i, uid := range uids {
		if ctx.Err() != nil {
			return last, ctx.Err()
		}
		bufs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			return last, fmt.Errorf("fetch uid %d: %w", uid, err)
		}
		if len(bufs) == 0 {
			continue // expunged meanwhile
		}
		raw := bufs[0].FindBodySection(section)
		src := store.EmailSource{AccountID: a.ID, UIDValidity: a.UIDValidity, UID: uint32(uid)}
		res, err := p.Ingester.Take(ctx, raw, src, a)
		if err != nil {
			return last, fmt.Errorf("take uid %d: %w", uid, err)
		}
		last = uint32(uid)
		switch {
		case res.Quarantined != nil:
			p.log().Warn("email: message quarantined", "account", a.Name, "uid", uid, "reason", res.Quarantined.Error)
		case res.Created:
			p.log().Info("email: complaint registered", "account", a.Name, "uid", uid, "number", res.Complaint.Number)
		case res.Complaint != nil && !res.Replayed:
			p.log().Info("email: customer message added", "account", a.Name, "uid", uid, "number", res.Complaint.Number)
		}
		if err := p.DB.RecordEmailPoll(ctx, a.ID, "", len(uids)-i-1, p.Ingester.Clock.Now()); err != nil {
			return last, err
		}
	}
	now := p.Ingester.Clock.Now()
	if err := p.DB.RecordEmailPoll(ctx, a.ID, "", 0, now); err != nil {
		return last, err
	}
	if err := p.recordHealth(ctx, a.Name, now); err != nil && !errors.Is(err, context.Canceled) {
		p.log().Warn("email: cannot record channel health", "err", err)
	}
	return last, nil
}

// recordHealth writes the account's state to the shared channel health.
func (p *Poller) recordHealth(ctx context.Context, account string, now time.Time) error {
	if err := p.DB.RecordChannelHealth(ctx, "email", account, true, "", now); err != nil {
		return err
	}
	health, err := p.DB.EmailHealth(ctx)
	if err != nil {
		return err
	}
	for _, h := range health {
		if h.Account == account {
			return p.DB.SetChannelBacklog(ctx, "email", account, int64(h.Backlog), int64(h.Quarantined), now)
		}
	}
	return nil
}
