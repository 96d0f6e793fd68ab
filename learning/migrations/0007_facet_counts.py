"""The table of the library's facet counts, kept as content changes (learning.FacetCount).

Created empty on every database; only PostgreSQL fills it (learning/facet_counts.py). On an
existing site the scheduler's first tick after the migration counts every library, or
`manage.py refresh_facet_counts` does it at once; until then the pages count live.
"""

import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('learning', '0006_indexes_for_facets_and_related_reviews'),
    ]

    operations = [
        migrations.CreateModel(
            name='FacetCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('facet', models.CharField(help_text='What is counted: “total” (every review), or the reviews by “theme”, “type”, “year” or publishing “body”.', max_length=8)),
                ('key', models.IntegerField(help_text="The theme, review type or publishing body's id, or the year; empty for the total.", null=True)),
                ('count', models.PositiveIntegerField(help_text='How many live, public reviews.')),
                ('library', models.ForeignKey(db_index=False, help_text='The library (review library page) whose reviews are counted.', on_delete=django.db.models.deletion.CASCADE, related_name='+', to='learning.themeindexpage')),
                ('scope_theme', models.ForeignKey(help_text="On a theme's own page, that theme: only reviews with it are counted. Empty for the whole library.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='learning.theme')),
            ],
            options={
                'verbose_name': 'facet count',
                'default_permissions': (),
                'constraints': [models.UniqueConstraint(models.F('library'), django.db.models.functions.comparison.Coalesce('scope_theme', models.Value(0), output_field=models.BigIntegerField()), models.F('facet'), django.db.models.functions.comparison.Coalesce('key', models.Value(0), output_field=models.IntegerField()), name='learning_facetcount_unique')],
            },
        ),
    ]
