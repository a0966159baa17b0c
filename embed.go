// Package flinkoperator embeds the CUE module (cue.mod, schemas/*.cue and
// templates/) so the renderer carries its templates inside the binary.
// It lives at the repository root because go:embed cannot reach parent
// folders and the CUE module spans schemas/ and templates/.
package flinkoperator

import "embed"

// CUEModule is the CUE module rooted at the repository root.
//
//go:embed cue.mod/module.cue schemas/*.cue templates
var CUEModule embed.FS
