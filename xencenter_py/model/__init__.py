"""Plain-Python view of the pools: connections, the event-fed object cache, typed object
wrappers, navigation tree rules and command availability. No Qt and no sockets here
(network access goes through :mod:`xencenter_py.xapi`)."""
