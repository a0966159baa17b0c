package flinkconf

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
//     not read it (nor the TaskManager one), and neither does the renderer.
//   - kubernetes.hostnetwork.enabled: true is refused. Flink then drops the
//     container ports and moves the JobManager's ports, which the rest
//     Service and the operator's REST client could not follow.
//
// Like the other decorator keys they win over the user's pod templates. The
// templates place them (templates/common/cluster.cue command, the
// Deployments' serviceAccountName and args, common.#PodDecorations).

const (
	KeyEntryPath                = "kubernetes.entry.path"
	KeyFlinkLogDir              = "kubernetes.flink.log.dir"
	KeyJobManagerEntrypointArgs = "kubernetes.jobmanager.entrypoint.args"
	KeyHostNetwork              = "kubernetes.hostnetwork.enabled"
)

// Start is what the keys above ask for.
type Start struct {
	// EntryPath replaces the main container's command when set.
	EntryPath string
	// LogDir is FLINK_LOG_DIR when set.
	LogDir *string
	// JobManagerArgs are appended to a native JobManager's start script.
	JobManagerArgs string
}

func (p *decoratorParser) start() Start {
	var s Start
	if raw, ok := p.config[KeyEntryPath]; ok {
		if strings.TrimSpace(raw) == "" {
			p.invalid(KeyEntryPath, raw, "must name the image's entrypoint script, for example /docker-entrypoint.sh")
		}
		s.EntryPath = raw
	}
	if dir, ok := p.config[KeyFlinkLogDir]; ok {
		s.LogDir = &dir
	}
	s.JobManagerArgs = strings.TrimSpace(p.config[KeyJobManagerEntrypointArgs])
	if raw, ok := p.config[KeyHostNetwork]; ok {
		// Flink reads booleans ignoring case and refuses anything else.
		switch strings.ToLower(raw) {
		case "false":
		case "true":
			p.invalid(KeyHostNetwork, raw, "host networking is not supported: Flink would move the JobManager's ports off those the rest Service and the operator use; remove the key or set it to false")
		default:
			p.invalid(KeyHostNetwork, raw, "must be true or false")
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
