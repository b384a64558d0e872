"""Models of the Sveltos CRDs Navarch serves, their schemas, names, labels and constants.

The bottom layer: it imports nothing else of Navarch. The CRD models arrive with cluster
registration (SveltosCluster, ClusterSet, Set) and the profile controllers.
"""
