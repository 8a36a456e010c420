"""The console viewer: screen widget, keyboard mapping, live sessions and the view."""
