package gate

// table is a decision table in the form the design documents write them:
// rows in order, each a named condition on the facts F and what it
// decides, D; the first row whose condition holds decides. The session-job
// tables use it (sessionjob_state.go, sessionjob_stop.go,
// sessionjob_takedown.go), and their tests check the row names against
// docs/design/sessionjob.md.
type table[F, D any] []row[F, D]

type row[F, D any] struct {
	name string
	when func(F) bool
	then D
}

// decide returns the first row that holds, by name, and what it decides;
// ok is false when none holds (every table here ends in a row that always
// does).
func (t table[F, D]) decide(f F) (name string, then D, ok bool) {
	for _, r := range t {
		if r.when(f) {
			return r.name, r.then, true
		}
	}
	return "", then, false
}

// names lists the rows' names, in order.
func (t table[F, D]) names() []string {
	out := make([]string, len(t))
	for i, r := range t {
		out[i] = r.name
	}
	return out
}
