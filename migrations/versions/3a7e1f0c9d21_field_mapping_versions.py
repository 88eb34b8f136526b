"""field mapping versions; the activity log names the mapping version it used

Revision ID: 3a7e1f0c9d21
Revises: 1c5d505e3151
Create Date: 2026-12-05 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3a7e1f0c9d21'
down_revision = '1c5d505e3151'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mapping_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('erp_kind', sa.String(length=32), nullable=False),
        sa.Column('rules', sa.JSON(), nullable=False),
        sa.Column('tables', sa.JSON(), nullable=False),
        sa.Column('author', sa.String(length=255), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('store_id', 'number'),
    )
    with op.batch_alter_table('mapping_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mapping_versions_store_id'), ['store_id'],
                              unique=False)
    with op.batch_alter_table('log_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mapping_version', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('log_entries', schema=None) as batch_op:
        batch_op.drop_column('mapping_version')
    with op.batch_alter_table('mapping_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mapping_versions_store_id'))
    op.drop_table('mapping_versions')
