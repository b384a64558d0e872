// Package controllers holds the value Sveltos passes to Execute when it instantiates a template.
//
// The package is named controllers, and the type currentClusterObjects, so that the errors
// text/template reports about it read exactly as they do in addon-controller, e.g.
// `can't evaluate field Foo in type *controllers.currentClusterObjects`.
package controllers

type currentClusterObjects struct {
	Cluster                map[string]interface{}
	KubeadmControlPlane    map[string]interface{}
	InfrastructureProvider map[string]interface{}
	MgmtResources          map[string]map[string]interface{}
}

// NewObjects returns the pointer Sveltos executes its templates with.
func NewObjects(cluster, kubeadmControlPlane, infrastructureProvider map[string]interface{},
	mgmtResources map[string]map[string]interface{}) interface{} {
	return &currentClusterObjects{
		Cluster:                cluster,
		KubeadmControlPlane:    kubeadmControlPlane,
		InfrastructureProvider: infrastructureProvider,
		MgmtResources:          mgmtResources,
	}
}
