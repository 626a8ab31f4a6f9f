"""Knowledge base: entries with versions, retirement, feedback and the unanswered-question queue (issue 6).

The foundation's placeholder tables faq_entries/faq_versions are replaced by kb_entries/kb_versions
(the knowledge base is seeded from knowledge_base/content by `seed_from_content`); downgrade
brings the empty placeholders back.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


def _content_columns(kind_enum: str, status_enum: str) -> list[sa.Column]:
    return [
        sa.Column('kind', _enum(kind_enum, 'faq', 'doc'), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('tags', sa.JSON(), nullable=False),
        sa.Column('alt_questions', sa.JSON(), nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('review_date', sa.Date(), nullable=True),
        sa.Column('status', _enum(status_enum, 'published', 'retired'), nullable=False),
    ]


def upgrade() -> None:
    op.drop_table('faq_versions')
    with op.batch_alter_table('faq_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_faq_entries_category'))
    op.drop_table('faq_entries')

    op.create_table('kb_entries',
    sa.Column('id', sa.String(length=64), nullable=False),
    *_content_columns('kb_kind', 'kb_status'),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_entries'))
    )
    with op.batch_alter_table('kb_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_entries_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_entries_generation'), ['generation'], unique=False)

    state = op.create_table('kb_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_state'))
    )
    # The one counter row exists from the start, so concurrent first edits only ever UPDATE it.
    op.bulk_insert(state, [{'id': 1, 'generation': 0}])
    op.create_table('kb_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.String(length=64), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['kb_entries.id'], name=op.f('fk_kb_feedback_entry_id_kb_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_kb_feedback_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_feedback'))
    )
    with op.batch_alter_table('kb_feedback', schema=None) as batch_op:
        batch_op.create_index('ix_kb_feedback_entry_created', ['entry_id', 'created_at'], unique=False)

    op.create_table('kb_queue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('reason', _enum('kb_queue_reason', 'unanswered', 'downvoted'), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('entry_id', sa.String(length=64), nullable=True),
    sa.Column('times', sa.Integer(), nullable=False),
    sa.Column('status', _enum('kb_queue_status', 'open', 'done'), nullable=False),
    sa.Column('resolved_entry_id', sa.String(length=64), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_kb_queue_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['kb_entries.id'], name=op.f('fk_kb_queue_entry_id_kb_entries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_entry_id'], ['kb_entries.id'], name=op.f('fk_kb_queue_resolved_entry_id_kb_entries'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_queue'))
    )
    with op.batch_alter_table('kb_queue', schema=None) as batch_op:
        batch_op.create_index('ix_kb_queue_status_updated', ['status', 'updated_at'], unique=False)

    op.create_table('kb_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    *_content_columns('kb_version_kind', 'kb_version_status'),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_kb_versions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['kb_entries.id'], name=op.f('fk_kb_versions_entry_id_kb_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_versions')),
    sa.UniqueConstraint('entry_id', 'version', name=op.f('uq_kb_versions_entry_id'))
    )


def downgrade() -> None:
    op.drop_table('kb_versions')
    with op.batch_alter_table('kb_queue', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_queue_status_updated')
    op.drop_table('kb_queue')
    with op.batch_alter_table('kb_feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_feedback_entry_created')
    op.drop_table('kb_feedback')
    op.drop_table('kb_state')
    with op.batch_alter_table('kb_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_entries_generation'))
        batch_op.drop_index(batch_op.f('ix_kb_entries_category'))
    op.drop_table('kb_entries')

    op.create_table('faq_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('is_published', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_entries'))
    )
    with op.batch_alter_table('faq_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_faq_entries_category'), ['category'], unique=False)
    op.create_table('faq_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('keywords', sa.String(length=255), nullable=False),
    sa.Column('edited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['edited_by_id'], ['users.id'], name=op.f('fk_faq_versions_edited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['faq_entries.id'], name=op.f('fk_faq_versions_entry_id_faq_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_versions')),
    sa.UniqueConstraint('entry_id', 'version', name=op.f('uq_faq_versions_entry_id'))
    )
