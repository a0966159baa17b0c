package resttls

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"net/http"
	"os"
	"sync"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
)

// maxClients bounds the cache: clients are keyed by what they were built
// from, so FlinkDeployments that share a Secret share one, and an entry a
// rotation made stale falls out as new ones come in.
const maxClients = 64

// Clients makes HTTP clients for JobManagers that serve REST over TLS. It
// is safe for concurrent use; the zero value reads files from the
// operator's file system.
type Clients struct {
	// ReadFile reads a store; nil means os.ReadFile. Tests set it.
	ReadFile func(string) ([]byte, error)
	// Base is cloned for each client's transport; nil means
	// http.DefaultTransport.
	Base *http.Transport

	mu      sync.Mutex
	order   *list.List // of *entry, most recently used first
	entries map[[sha256.Size]byte]*list.Element
}

type entry struct {
	key    [sha256.Size]byte
	client *http.Client
}

// For returns the client for a JobManager with settings t: nil, nil when
// REST TLS is off (the caller's plain client applies). The files are read
// on every call, so a rotated certificate is used from the next call on;
// an error names the key and file at fault.
func (c *Clients) For(t flinkconf.RESTTLS) (*http.Client, error) {
	if !t.Enabled {
		return nil, nil
	}
	readFile := c.ReadFile
	if readFile == nil {
		readFile = os.ReadFile
	}
	m, err := read(t, readFile)
	if err != nil {
		return nil, err
	}
	key := m.digest()
	c.mu.Lock()
	if el, ok := c.entries[key]; ok {
		c.order.MoveToFront(el)
		c.mu.Unlock()
		return el.Value.(*entry).client, nil
	}
	c.mu.Unlock()

	cfg, err := m.tlsConfig()
	if err != nil {
		return nil, err
	}
	base := c.Base
	if base == nil {
		base = http.DefaultTransport.(*http.Transport)
	}
	tr := base.Clone()
	tr.TLSClientConfig = cfg
	client := &http.Client{Transport: &explaining{base: tr, settings: t}}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[[sha256.Size]byte]*list.Element{}
		c.order = list.New()
	}
	if el, ok := c.entries[key]; ok { // built meanwhile by another worker
		tr.CloseIdleConnections()
		c.order.MoveToFront(el)
		return el.Value.(*entry).client, nil
	}
	c.entries[key] = c.order.PushFront(&entry{key: key, client: client})
	for c.order.Len() > maxClients {
		old := c.order.Back()
		c.order.Remove(old)
		e := old.Value.(*entry)
		delete(c.entries, e.key)
		e.client.CloseIdleConnections()
	}
	return client, nil
}

// Len is the number of cached clients, for tests.
func (c *Clients) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// digest identifies everything a client is built from. Paths matter too:
// they appear in its error messages.
func (m material) digest() [sha256.Size]byte {
	h := sha256.New()
	field := func(b []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	t := m.settings
	flags := []byte{0, 0}
	if t.Mutual {
		flags[0] = 1
	}
	if t.VerifyHostname {
		flags[1] = 1
	}
	field(flags)
	for _, s := range []string{t.Key, t.Truststore.Path, t.Truststore.PathKey, t.Truststore.Password, t.Truststore.PasswordKey,
		t.Keystore.Path, t.Keystore.PathKey, t.Keystore.Password, t.Keystore.PasswordKey, t.KeyPassword, t.KeyPasswordKey} {
		field([]byte(s))
	}
	var count [8]byte
	binary.BigEndian.PutUint64(count[:], uint64(len(t.Algorithms)))
	field(count[:])
	for _, a := range t.Algorithms {
		field([]byte(a))
	}
	field(m.truststore)
	field(m.keystore)
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}
