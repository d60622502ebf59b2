-- Search, duplicates and related complaints (issue 6; store/search.go).

-- Documents per search token: lets a query choose between reading a rare
-- token's matches and walking the newest complaints for a common one.
CREATE VIRTUAL TABLE complaint_search_vocab USING fts5vocab(complaint_search, row);

-- SimHash of each complaint's title and description (package tokenize), and
-- its eight 8-bit bands: two fingerprints at most 7 bits apart agree on at
-- least one band, so a lookup of the eight bands finds them. band = the
-- band's index * 256 + its value; the hash is repeated so that the lookup
-- reads the band index only.
CREATE TABLE complaint_simhash (
    complaint_id INTEGER PRIMARY KEY REFERENCES complaints(id),
    hash         INTEGER NOT NULL
);
CREATE TABLE complaint_simhash_bands (
    band         INTEGER NOT NULL,
    complaint_id INTEGER NOT NULL,
    hash         INTEGER NOT NULL,
    PRIMARY KEY (band, complaint_id)
) WITHOUT ROWID;

-- Exact signal: the same order number within a few days.
CREATE INDEX complaints_order_no ON complaints(order_no, registered_at) WHERE order_no <> '';

-- Complaints an agent linked as related (without merging them).
CREATE TABLE complaint_links (
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    related_id   INTEGER NOT NULL REFERENCES complaints(id),
    created_by   INTEGER,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (complaint_id, related_id)
) WITHOUT ROWID;
