package renderer

import (
	"strings"

	"k8s.io/apimachinery/pkg/api/validate/content"
)

// How Flink's decorators start the main container and as whom
// (InitJobManagerDecorator, CmdJobManagerDecorator and the reference
// operator's standalone InitStandalone*/CmdStandalone* decorators; see
// flink-facts.md §2.2 and §3):
//
//   - kubernetes.jobmanager.service-account and
//     kubernetes.taskmanager.service-account name the pod's service account;
//     without them both fall back to kubernetes.service-account, which
//     spec.serviceAccount sets. In native mode Flink reads the TaskManager
//     one itself when it creates TaskManager pods.
//   - kubernetes.entry.path is the main container's command.
//   - kubernetes.flink.log.dir becomes FLINK_LOG_DIR in the main container.
//   - kubernetes.jobmanager.entrypoint.args is appended to the native
//     JobManager's start script; the reference's standalone decorators do
//     not read it (nor the TaskManager one), and neither does this renderer.
//   - kubernetes.hostnetwork.enabled: true is refused. Flink then drops the
//     container ports and moves the JobManager's ports, which the rest
//     Service and the operator's REST client could not follow.
//
// Like the other decorator keys they win over the user's pod templates. The
// templates place them (templates/common/cluster.cue command, the
// Deployments' serviceAccountName and args, common.#PodDecorations).

const (
	keyEntryPath                = "kubernetes.entry.path"
	keyFlinkLogDir              = "kubernetes.flink.log.dir"
	keyJobManagerEntrypointArgs = "kubernetes.jobmanager.entrypoint.args"
	keyHostNetwork              = "kubernetes.hostnetwork.enabled"
)

// startDecorations is what the keys above ask for.
type startDecorations struct {
	// entryPath replaces the main container's command when set.
	entryPath string
	// logDir is FLINK_LOG_DIR when set.
	logDir *string
	// jobManagerArgs are appended to a native JobManager's start script.
	jobManagerArgs string
}

func (p *decoratorParser) start() startDecorations {
	var s startDecorations
	if raw, ok := p.config[keyEntryPath]; ok {
		if strings.TrimSpace(raw) == "" {
			p.invalid(keyEntryPath, raw, "must name the image's entrypoint script, for example /docker-entrypoint.sh")
		}
		s.entryPath = raw
	}
	if dir, ok := p.config[keyFlinkLogDir]; ok {
		s.logDir = &dir
	}
	s.jobManagerArgs = strings.TrimSpace(p.config[keyJobManagerEntrypointArgs])
	if raw, ok := p.config[keyHostNetwork]; ok {
		// Flink reads booleans ignoring case and refuses anything else.
		switch strings.ToLower(raw) {
		case "false":
		case "true":
			p.invalid(keyHostNetwork, raw, "host networking is not supported: Flink would move the JobManager's ports off those the rest Service and the operator use; remove the key or set it to false")
		default:
			p.invalid(keyHostNetwork, raw, "must be true or false")
		}
	}
	return s
}

// serviceAccount reads kubernetes.<process>.service-account.
func (p *decoratorParser) serviceAccount(key string) string {
	raw, ok := p.config[key]
	if !ok {
		return ""
	}
	if msgs := content.IsDNS1123Subdomain(raw); len(msgs) > 0 {
		p.invalid(key, raw, "is not a valid service account name: "+strings.Join(msgs, "; "))
		return ""
	}
	return raw
}
