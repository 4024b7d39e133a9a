"""The scheduler: which spider crawls when, as a foreground service (main.py), and the alert jobs beside
the crawls (service.py). Each crawl runs in a child process (crawler/child.py)."""
