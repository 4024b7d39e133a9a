"""The scheduler: which spider crawls when (main.py), and one crawl in a child process (jobs.py)."""
