// SPDX-License-Identifier: MIT
#pragma once

#include "model/accessrules.h"

#include <functional>
#include <optional>

#include <QTimer>
#include <QWidget>

class QComboBox;
class QDateTimeEdit;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;

namespace Switchboard::Console {

class AdminSession;

// The server's IP access rules (admins only): the rules with their expiry, a form for a new
// rule that shows, while the operator types, how many live connections and users it would
// cut (and warns when it would cut the operator's own address), saving (with a confirmation
// and force when it cuts the operator), deleting, and the server's answers in the view.
class AccessView : public QWidget
{
    Q_OBJECT

public:
    // The preview is asked this long after the last change of the form.
    static constexpr int PREVIEW_DELAY_MS = 300;

    explicit AccessView(AdminSession *session, QWidget *parent = nullptr);

    AccessRules *rules() const { return m_rules; }
    QTableView *table() const { return m_table; }
    // The rule the form describes now (expiry resolved to a moment).
    AccessRuleDraft draft() const;
    // Fills the form (tests); an expiry > 0 becomes "until" that moment.
    void setDraft(const AccessRuleDraft &draft);
    // The last preview the server answered for the form as it is (unknown while counting).
    AccessCut previewCut() const { return m_preview; }
    QString previewText() const;
    QString warningText() const;
    // The outcome of the last save or delete, or the server's error (empty at first).
    QString statusText() const;
    bool statusIsError() const { return m_statusIsError; }
    // False while not connected or for an account that is not an administrator.
    bool isUsable() const;
    QString explanationText() const;
    bool selectRule(qint64 id);
    qint64 selectedRuleId() const;

public Q_SLOTS:
    // Saves the form's rule; asks first when it would cut the operator's own address.
    void save();
    // Deletes the selected rule after a confirmation.
    void deleteSelected();
    void refresh();

Q_SIGNALS:
    void previewUpdated(const Switchboard::Console::AccessCut &cut);
    void statusChanged(const QString &text, bool error);

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();
    void updateUsable();
    void updateFields();
    void updateButtons();
    void draftChanged();
    void askPreview();
    void showPreview();
    void setStatus(std::function<QString()> text, bool error);
    bool confirmCutsCaller(const QString &detail);
    void onSaved(const QJsonObject &rule, const AccessCut &cut);
    static QString cutText(const AccessCut &cut);

    AdminSession *m_session;
    AccessRules *m_rules;
    QLabel *m_explanation;
    QWidget *m_content;
    QTableView *m_table;
    QSortFilterProxyModel *m_proxy;
    QLabel *m_summary;
    QPushButton *m_refresh;
    QPushButton *m_delete;
    QGroupBox *m_formBox;
    QFormLayout *m_form;
    QComboBox *m_action;
    QLineEdit *m_cidr;
    QLineEdit *m_note;
    QWidget *m_expiryRow;
    QComboBox *m_expiryKind;
    QSpinBox *m_duration;
    QComboBox *m_unit;
    QDateTimeEdit *m_until;
    QLabel *m_previewLabel;
    QLabel *m_warning;
    QPushButton *m_save;
    QLabel *m_status;
    QTimer m_previewDelay;
    AccessCut m_preview;
    std::optional<AccessError> m_previewError;
    bool m_counting = false;
    // The status is kept as the pieces it is made of, so a language switch rewords it.
    std::function<QString()> m_statusText;
    bool m_statusIsError = false;
    qint64 m_selectAfterRefresh = 0;
};

} // namespace Switchboard::Console
