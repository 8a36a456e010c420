"""Performance graphs drawn with pyqtgraph: axes in the user's language, one graph with
its legend and hover read-out, the navigator strip, and the graph designer."""
