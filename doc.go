// Package kesu is the complaint domain (客诉): complaints, customers,
// departments, users, the lifecycle and its one transition table, events and
// the error type every layer shares.
//
// It is pure Go: no SQL, no HTTP and no clock reads. Callers pass the current
// time in, so every rule here can be tested without sleeping. Adapters (store,
// api, cmd/kesu) import this package; it imports none of them.
package kesu
