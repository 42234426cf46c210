"""Operating deployed agents: drift, reconcile, failure analysis (rules, then a Strands agent), environments."""
