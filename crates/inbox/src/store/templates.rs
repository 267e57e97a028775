//! The number's message templates, as 360Dialog last listed them.

use super::Store;
use serde_json::Value;

impl Store {
    /// Replaces every template by the ones given (name and language identify one).
    pub async fn replace_templates(&self, templates: &[Value]) -> anyhow::Result<usize> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM templates")
            .execute(&mut *tx)
            .await?;
        let mut kept = 0;
        for template in templates {
            let text = |key: &str| template.get(key).and_then(Value::as_str);
            let (Some(name), Some(language)) = (text("name"), text("language")) else {
                continue;
            };
            sqlx::query(
                "INSERT INTO templates (name, language, waba_template) VALUES (?, ?, ?)
                 ON CONFLICT (name, language) DO UPDATE SET waba_template = excluded.waba_template",
            )
            .bind(name)
            .bind(language)
            .bind(template.to_string())
            .execute(&mut *tx)
            .await?;
            kept += 1;
        }
        tx.commit().await?;
        Ok(kept)
    }

    pub async fn templates_page(
        &self,
        limit: u32,
        offset: u32,
    ) -> anyhow::Result<(u32, Vec<Value>)> {
        let count = sqlx::query_scalar("SELECT COUNT(*) FROM templates")
            .fetch_one(&self.pool)
            .await?;
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT waba_template FROM templates ORDER BY name, language LIMIT ? OFFSET ?",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let templates = rows
            .iter()
            .map(|t| serde_json::from_str(t))
            .collect::<Result<_, _>>()?;
        Ok((count, templates))
    }
}
