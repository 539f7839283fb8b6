# The admin's (and a bare |date's) date-time columns read like every other time in the product:
# prakerja.lib.timefmt's pattern with the zone named (TIME_ZONE is Asia/Jakarta, so the value is in WIB).
DATETIME_FORMAT = r"j M Y H.i \W\I\B"
