"""session key per store user: session tokens cannot outlive the user they name;
an index for the recovery of unfinished webhook events

Revision ID: 1c5d505e3151
Revises: 8c693a4f489a
Create Date: 2026-12-05 07:00:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1c5d505e3151'
down_revision = '8c693a4f489a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('store_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_key', sa.String(length=32), nullable=True))
    # Every existing user gets a key of its own (their open sessions end: tokens lack it).
    users = sa.table('store_users', sa.column('id', sa.Integer), sa.column('session_key', sa.String))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(users.update().where(users.c.id == user_id)
                     .values(session_key=secrets.token_hex(16)))
    with op.batch_alter_table('store_users', schema=None) as batch_op:
        batch_op.alter_column('session_key', existing_type=sa.String(length=32), nullable=False)
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_events_status_received', ['status', 'received_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_events_status_received')
    with op.batch_alter_table('store_users', schema=None) as batch_op:
        batch_op.drop_column('session_key')
