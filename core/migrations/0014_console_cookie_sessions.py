"""console_cookie_sessions: console sessions end after an idle time, and the old URL sessions end;
each contact points at its latest invitation email, so staff see whether it was delivered;
each staff member may choose which events email them (the organization's choice by default).

A console session used to ride in the URL (`?s=…`), where it sat in browser history and in
links staff pasted into chat; from now on it is an HttpOnly cookie. The sessions opened the old
way are ended here, so none of the leaked addresses signs anyone in again.
"""
from peewee import *

from core.models import utcnow


def up(migrator, db):
    migrator.migrate(migrator.add_column('staff_session', 'last_seen_at', DateTimeField(default=utcnow)))
    migrator.migrate(migrator.add_column('contact', 'invitation_message_id', IntegerField(null=True)))
    migrator.migrate(migrator.add_index('contact', ('invitation_message_id',)))
    migrator.migrate(migrator.add_column('staff_user', 'email_choices', TextField(default='{}')))
    db.execute_sql('UPDATE staff_session SET ended_at = %s WHERE ended_at IS NULL'
                   % db.param, (utcnow(),))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('staff_user', 'email_choices'))
    migrator.migrate(migrator.drop_index('contact', 'contact_invitation_message_id'))
    migrator.migrate(migrator.drop_column('contact', 'invitation_message_id'))
    migrator.migrate(migrator.drop_column('staff_session', 'last_seen_at'))
