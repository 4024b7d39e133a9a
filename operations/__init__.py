"""Operations: the live check, backfill from web archives, fixtures, the Covenant import, Scrapyd."""
