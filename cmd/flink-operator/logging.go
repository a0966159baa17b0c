package main

import (
	"go.uber.org/zap/zapcore"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// maxVerbosity is the highest logr verbosity the operator ever logs at,
// whatever --zap-log-level asks for. client-go logs through the
// reconciler's logger and dumps request and response bodies from V(8)
// (and headers from V(7)): whole FlinkDeployments, ConfigMaps with the
// Flink configuration, Secrets. Those may hold credentials, so they must
// never reach a log. V(6) still shows each API request's verb, URL and
// status.
const maxVerbosity = 6

// capVerbosity keeps the level the flags chose but never enables
// verbosities above maxVerbosity.
func capVerbosity(o *zap.Options) {
	if o.Level == nil {
		return // the default (info) is below the cap
	}
	o.Level = cappedLevel{o.Level}
}

// cappedLevel enables what its inner enabler does, down to
// -maxVerbosity (zap levels are negated logr verbosities).
type cappedLevel struct{ inner zapcore.LevelEnabler }

func (c cappedLevel) Enabled(l zapcore.Level) bool {
	return l >= zapcore.Level(-maxVerbosity) && c.inner.Enabled(l)
}
