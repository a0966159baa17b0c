package validation

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/utils/ptr"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

func TestValidateTransition(t *testing.T) {
	native, standalone := v1beta1.ModeNative, v1beta1.ModeStandalone
	app := func(edit func(*v1beta1.FlinkDeploymentSpec)) *v1beta1.FlinkDeploymentSpec {
		s := &v1beta1.FlinkDeploymentSpec{
			FlinkVersion: "v1_20",
			Job:          &v1beta1.JobSpec{JarURI: "local:///job.jar", Parallelism: 2},
		}
		if edit != nil {
			edit(s)
		}
		return s
	}
	session := func(edit func(*v1beta1.FlinkDeploymentSpec)) *v1beta1.FlinkDeploymentSpec {
		return app(func(s *v1beta1.FlinkDeploymentSpec) {
			s.Job = nil
			if edit != nil {
				edit(s)
			}
		})
	}
	suspendedLastState := func(s *v1beta1.FlinkDeploymentSpec) {
		s.Job.State = v1beta1.JobStateSuspended
		s.Job.UpgradeMode = v1beta1.UpgradeModeLastState
	}
	lastState := func(s *v1beta1.FlinkDeploymentSpec) { s.Job.UpgradeMode = v1beta1.UpgradeModeLastState }
	withConfig := func(s *v1beta1.FlinkDeploymentSpec, key, value string) {
		s.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{key: value})
	}
	cases := []struct {
		name       string
		last, next *v1beta1.FlinkDeploymentSpec
		want       []string
	}{
		{name: "never deployed", last: nil, next: session(func(s *v1beta1.FlinkDeploymentSpec) { s.Mode = &standalone })},
		{name: "unchanged", last: app(nil), next: app(nil)},
		{name: "ordinary changes", last: app(nil), next: app(func(s *v1beta1.FlinkDeploymentSpec) {
			s.Image, s.FlinkVersion, s.Job.Parallelism = "flink:2.0", "v2_0", 8
		})},
		{name: "absent mode is native", last: app(nil), next: app(func(s *v1beta1.FlinkDeploymentSpec) { s.Mode = &native })},
		{
			name: "native to standalone", last: app(nil), next: app(func(s *v1beta1.FlinkDeploymentSpec) { s.Mode = &standalone }),
			want: []string{`spec.mode: Invalid value: "standalone": cannot change from native after the first deployment (native and standalone clusters are built differently): delete the FlinkDeployment and create it again`},
		},
		{
			name: "standalone to native", last: session(func(s *v1beta1.FlinkDeploymentSpec) { s.Mode = &standalone }), next: session(nil),
			want: []string{`spec.mode: Invalid value: "native": cannot change from standalone after the first deployment (native and standalone clusters are built differently): delete the FlinkDeployment and create it again`},
		},
		{
			name: "session to application", last: session(nil), next: app(nil),
			want: []string{`spec.job: Forbidden: cannot be added after the first deployment: a session cluster cannot become an application cluster; create a new FlinkDeployment for the job`},
		},
		{
			name: "application to session", last: app(nil), next: session(nil),
			want: []string{`spec.job: Forbidden: cannot be removed after the first deployment: an application cluster cannot become a session cluster; create a new FlinkDeployment without a job`},
		},
		{
			name: "both at once", last: app(nil), next: session(func(s *v1beta1.FlinkDeploymentSpec) { s.Mode = &standalone }),
			want: []string{
				`spec.mode: Invalid value: "standalone": cannot change from native after the first deployment (native and standalone clusters are built differently): delete the FlinkDeployment and create it again`,
				`spec.job: Forbidden: cannot be removed after the first deployment: an application cluster cannot become a session cluster; create a new FlinkDeployment without a job`,
			},
		},
		{
			name: "new redeploy nonce without savepoint", last: app(nil), next: app(func(s *v1beta1.FlinkDeploymentSpec) { s.Job.SavepointRedeployNonce = ptr.To[int64](3) }),
			want: []string{`spec.job.initialSavepointPath: Required value: spec.job.savepointRedeployNonce changed to 3, which redeploys from this savepoint; set it`},
		},
		{
			name: "new redeploy nonce with a blank savepoint", last: app(nil), next: app(func(s *v1beta1.FlinkDeploymentSpec) {
				s.Job.SavepointRedeployNonce, s.Job.InitialSavepointPath = ptr.To[int64](3), " "
			}),
			want: []string{`spec.job.initialSavepointPath: Invalid value: " ": is blank, but spec.job.savepointRedeployNonce changed to 3, which redeploys from this savepoint; set it`},
		},
		{
			name: "new redeploy nonce with savepoint", last: app(nil), next: app(func(s *v1beta1.FlinkDeploymentSpec) {
				s.Job.SavepointRedeployNonce, s.Job.InitialSavepointPath = ptr.To[int64](3), "s3://b/sp-1"
			}),
		},
		{
			name: "unchanged redeploy nonce", last: app(func(s *v1beta1.FlinkDeploymentSpec) { s.Job.SavepointRedeployNonce = ptr.To[int64](3) }),
			next: app(func(s *v1beta1.FlinkDeploymentSpec) { s.Job.SavepointRedeployNonce = ptr.To[int64](3) }),
		},
		{
			name: "version change while suspended with last-state", last: app(suspendedLastState),
			next: app(func(s *v1beta1.FlinkDeploymentSpec) { suspendedLastState(s); s.FlinkVersion = "v2_0" }),
			want: []string{`spec.flinkVersion: Invalid value: "v2_0": cannot change from v1_20 while the job is suspended with upgradeMode last-state: its state is in high availability metadata of the old version; resume it on v1_20 and change the version with upgradeMode savepoint, or set upgradeMode stateless to start without state`},
		},
		{
			name: "version change while suspended, starting stateless", last: app(suspendedLastState),
			next: app(func(s *v1beta1.FlinkDeploymentSpec) {
				s.FlinkVersion, s.Job.UpgradeMode = "v2_0", v1beta1.UpgradeModeStateless
			}),
		},
		{
			name: "version change while suspended with savepoint", last: app(func(s *v1beta1.FlinkDeploymentSpec) {
				s.Job.State, s.Job.UpgradeMode = v1beta1.JobStateSuspended, v1beta1.UpgradeModeSavepoint
			}),
			next: app(func(s *v1beta1.FlinkDeploymentSpec) { s.FlinkVersion = "v2_0" }),
		},
		{
			name: "last-state across versions without a savepoint directory", last: app(lastState),
			next: app(func(s *v1beta1.FlinkDeploymentSpec) { lastState(s); s.FlinkVersion = "v2_0" }),
			want: []string{`spec.flinkConfiguration[execution.checkpointing.savepoint-dir]: Required value: an upgrade with upgradeMode last-state where the Flink version changes from v1_20 to v2_0 is made through a savepoint (high availability metadata is not restored across versions, nor a checkpoint by another state backend); it needs a savepoint directory: set execution.checkpointing.savepoint-dir (or its older name state.savepoints.dir)`},
		},
		{
			name: "last-state across versions before 1.20 names the old key", last: app(func(s *v1beta1.FlinkDeploymentSpec) { lastState(s); s.FlinkVersion = "v1_18" }),
			next: app(func(s *v1beta1.FlinkDeploymentSpec) { lastState(s); s.FlinkVersion = "v1_19" }),
			want: []string{`spec.flinkConfiguration[state.savepoints.dir]: Required value: an upgrade with upgradeMode last-state where the Flink version changes from v1_18 to v1_19 is made through a savepoint (high availability metadata is not restored across versions, nor a checkpoint by another state backend); it needs a savepoint directory: set state.savepoints.dir`},
		},
		{
			name: "last-state across state backends without a savepoint directory", last: app(lastState),
			next: app(func(s *v1beta1.FlinkDeploymentSpec) { lastState(s); withConfig(s, "state.backend.type", "rocksdb") }),
			want: []string{`spec.flinkConfiguration[execution.checkpointing.savepoint-dir]: Required value: an upgrade with upgradeMode last-state where the state backend changes from hashmap to rocksdb is made through a savepoint (high availability metadata is not restored across versions, nor a checkpoint by another state backend); it needs a savepoint directory: set execution.checkpointing.savepoint-dir (or its older name state.savepoints.dir)`},
		},
		{
			name: "last-state across versions, the running job has a savepoint directory",
			last: app(func(s *v1beta1.FlinkDeploymentSpec) { lastState(s); withConfig(s, "state.savepoints.dir", "s3://b/sp") }),
			next: app(func(s *v1beta1.FlinkDeploymentSpec) { lastState(s); s.FlinkVersion = "v2_0" }),
		},
		{
			name: "last-state across versions, the new spec names a savepoint directory", last: app(lastState),
			next: app(func(s *v1beta1.FlinkDeploymentSpec) {
				lastState(s)
				s.FlinkVersion = "v2_0"
				withConfig(s, "execution.checkpointing.savepoint-dir", "s3://b/sp")
			}),
		},
		{
			name: "last-state, same version and backend", last: app(lastState),
			next: app(func(s *v1beta1.FlinkDeploymentSpec) {
				lastState(s)
				s.Image = "flink:1.20.1"
				withConfig(s, "state.backend.type", "hashmap")
			}),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, e := range ValidateTransition(c.last, c.next) {
				got = append(got, e.Error())
			}
			assert.Equal(t, c.want, got)
		})
	}
}
