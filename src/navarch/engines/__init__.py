"""Pure or subprocess-only engines: resources, Helm, Kustomize, templates, Lua, diff, drift.

Engines take data in and give manifests or decisions out; they never hold a cluster connection,
so most of their tests need no server. Filled by the profile, Helm/Kustomize and template work.
"""
