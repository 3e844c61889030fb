-- Whether a centre opens on public holidays at its usual hours. By default
-- it does not: published hours are for an ordinary week (the official file
-- says nothing of holidays), and no one is booked on a silent 25 December.
ALTER TABLE centres ADD COLUMN open_on_public_holidays INTEGER NOT NULL DEFAULT 0;
