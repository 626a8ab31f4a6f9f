"""Meter photos: uploaded photos, recognition results, the staff review queue (issue 7).

Also the uploads table (files residents attach in the chat, repair forms and meter photos),
meter_faces (how many decimals a meter shows as red wheels) and training_crops (digit crops a
person corrected, exported as new training data).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_uploads_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_uploads')),
    sa.UniqueConstraint('key', name=op.f('uq_uploads_key'))
    )
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_uploads_owner_id'), ['owner_id'], unique=False)

    op.create_table('meter_faces',
    sa.Column('meter_id', sa.Integer(), nullable=False),
    sa.Column('red_wheels', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.id'], name=op.f('fk_meter_faces_meter_id_meters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meter_id', name=op.f('pk_meter_faces'))
    )
    op.create_table('meter_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('meter_id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('accepted', 'confirm', 'review', 'rejected', name='photo_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('proposed_value', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('final_value', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('digits', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('window_png', sa.LargeBinary(), nullable=True),
    sa.Column('wheels', sa.SmallInteger(), nullable=False),
    sa.Column('reading_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_meter_photos_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.id'], name=op.f('fk_meter_photos_meter_id_meters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_meter_photos_upload_id_uploads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_meter_photos_submitted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reading_id'], ['readings.id'], name=op.f('fk_meter_photos_reading_id_readings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_meter_photos_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meter_photos'))
    )
    with op.batch_alter_table('meter_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meter_photos_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_meter_photos_status', ['status', 'created_at'], unique=False)

    op.create_table('training_crops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('label', sa.String(length=4), nullable=False),
    sa.Column('predicted', sa.String(length=4), nullable=False),
    sa.Column('image_png', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['photo_id'], ['meter_photos.id'], name=op.f('fk_training_crops_photo_id_meter_photos'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_crops'))
    )


def downgrade() -> None:
    op.drop_table('training_crops')
    with op.batch_alter_table('meter_photos', schema=None) as batch_op:
        batch_op.drop_index('ix_meter_photos_status')
        batch_op.drop_index(batch_op.f('ix_meter_photos_household_id'))
    op.drop_table('meter_photos')
    op.drop_table('meter_faces')
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_uploads_owner_id'))
    op.drop_table('uploads')
