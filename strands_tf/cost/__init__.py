"""Cost and tags: the tag manager, the price table, estimates from plans/state/graph, Cost Explorer."""
