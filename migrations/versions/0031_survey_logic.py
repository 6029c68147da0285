"""survey logic: XLSForm groups, skip logic, constraints, calculations and choice filters

``survey_groups`` (and their texts per language): XLSForm groups, nested through ``parent_id``, each with its
``relevant`` rule; a question names its innermost group. Questions gain their XLSForm expressions as written
(``relevant``, ``constraint_rule``, ``required_rule``, ``calculation``, ``choice_filter``), a ``default_value``,
``whole`` for integer questions and the kinds ``date``, ``note`` and ``calculate``; their texts gain the
constraint's and the requirement's messages; choices keep the choices sheet's other columns (``filters``) that
choice filters read. Existing rows get the empty rule: nothing changes for the surveys already asked.

Revision ID: 51e1f67ad4e6
Revises: 68fe8cbf1723
Create Date: 2026-12-05 13:36:07.087751

"""
from alembic import op
import sqlalchemy as sa


revision = '51e1f67ad4e6'
down_revision = '68fe8cbf1723'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('relevant', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['survey_groups.id'], name=op.f('fk_survey_groups_parent_id_survey_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['survey_versions.id'], name=op.f('fk_survey_groups_version_id_survey_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_groups')),
    sa.UniqueConstraint('version_id', 'code', name=op.f('uq_survey_groups_version_id_code'))
    )
    op.create_table('survey_group_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=12), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['survey_groups.id'], name=op.f('fk_survey_group_texts_group_id_survey_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_group_texts')),
    sa.UniqueConstraint('group_id', 'language', name=op.f('uq_survey_group_texts_group_id_language'))
    )
    with op.batch_alter_table('survey_choices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filters', sa.JSON(), nullable=False, server_default='{}'))

    with op.batch_alter_table('survey_question_texts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('constraint_message', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('required_message', sa.Text(), nullable=False, server_default=''))

    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('whole', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('relevant', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('constraint_rule', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('required_rule', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('calculation', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('choice_filter', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('default_value', sa.String(length=300), nullable=False, server_default=''))
        batch_op.alter_column('kind',
               existing_type=sa.VARCHAR(length=8),
               type_=sa.String(length=10),
               existing_nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_survey_questions_group_id_survey_groups'), 'survey_groups', ['group_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_constraint(batch_op.f('ck_survey_questions_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_survey_questions_kind'), "kind IN ('single', 'multiple', 'likert', "
                                         "'yes_no', 'number', 'text', 'date', 'note', 'calculate')")

    # The defaults were for the rows already there: new rows get theirs from the models.
    for table, columns in {'survey_choices': ['filters'],
                           'survey_question_texts': ['constraint_message', 'required_message'],
                           'survey_questions': ['whole', 'relevant', 'constraint_rule', 'required_rule', 'calculation',
                                                'choice_filter', 'default_value']}.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, server_default=None)


def downgrade():
    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_survey_questions_group_id_survey_groups'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('ck_survey_questions_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_survey_questions_kind'), "kind IN ('single', 'multiple', 'likert', "
                                         "'yes_no', 'number', 'text')")
        batch_op.alter_column('kind',
               existing_type=sa.String(length=10),
               type_=sa.VARCHAR(length=8),
               existing_nullable=False)
        batch_op.drop_column('default_value')
        batch_op.drop_column('choice_filter')
        batch_op.drop_column('calculation')
        batch_op.drop_column('required_rule')
        batch_op.drop_column('constraint_rule')
        batch_op.drop_column('relevant')
        batch_op.drop_column('group_id')
        batch_op.drop_column('whole')

    with op.batch_alter_table('survey_question_texts', schema=None) as batch_op:
        batch_op.drop_column('required_message')
        batch_op.drop_column('constraint_message')

    with op.batch_alter_table('survey_choices', schema=None) as batch_op:
        batch_op.drop_column('filters')

    op.drop_table('survey_group_texts')
    op.drop_table('survey_groups')
