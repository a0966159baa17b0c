package reconciler

import (
	"github.com/flinkops/flink-operator/reconciler/gate"
)

// The render-based safety net of the spec-change classification lives in
// the gate (gate.ClassifyRendered), so that flink-render plan classifies
// a change with the same code as the operator.

// scaleConfigKeys are the Flink configuration keys a SCALE change may alter.
var scaleConfigKeys = gate.ScaleConfigKeys()

// classifyRendered is gate.ClassifyRendered.
var classifyRendered = gate.ClassifyRendered

// specDiff classifies the pass's spec change, with the render-based safety
// net (gate/classify_rendered.go), once per pass: deployed, desired and the deployed
// render context do not change within it.
func (r *Reconciler) specDiff(p *gatePass) (*gate.SpecDiff, error) {
	if p.diff == nil {
		diff, err := classifyRendered(p.fd, p.deployed, p.desired, r.withSettings(gate.DeployedContext(&p.fd.Status)), r.render)
		if err != nil {
			return nil, err
		}
		p.diff = &diff
	}
	return p.diff, nil
}
