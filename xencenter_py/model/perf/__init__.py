"""Performance data below the UI: archives kept per watched host or VM, the data sources
and default graphs XenCenter shows, graph layouts stored in the pool's ``gui_config``,
lifecycle events, a local full-resolution history and CSV export. No Qt here."""
