"""The Properties dialog's pages beyond General, CPU and Memory and Home Server."""
