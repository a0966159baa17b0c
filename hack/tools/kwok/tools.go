//go:build tools

// Package tools pins kwok, which simulates the nodes and pods of the local
// dev cluster (hack/dev-cluster.sh), so Deployments get Running, Ready pods
// without a container runtime.
package tools

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
