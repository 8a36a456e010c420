"""The Qt console: main window, navigation tree, tabs, dialogs (no protocol logic here)."""
