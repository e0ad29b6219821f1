"""console_cookie_sessions: console sessions end after an idle time, and the old URL sessions end.

A console session used to ride in the URL (`?s=…`), where it sat in browser history and in
links staff pasted into chat; from now on it is an HttpOnly cookie. The sessions opened the old
way are ended here, so none of the leaked addresses signs anyone in again.
"""
from peewee import *

from core.models import utcnow


def up(migrator, db):
    migrator.migrate(migrator.add_column('staff_session', 'last_seen_at', DateTimeField(default=utcnow)))
    db.execute_sql('UPDATE staff_session SET ended_at = %s WHERE ended_at IS NULL'
                   % db.param, (utcnow(),))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('staff_session', 'last_seen_at'))
