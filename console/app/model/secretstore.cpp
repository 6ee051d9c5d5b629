// SPDX-License-Identifier: MIT
#include "secretstore.h"

#include "consolelogging.h"

#include <QEventLoop>

#include <qt6keychain/keychain.h>

namespace Switchboard::Console {

namespace {

SecretStore::Status run(QKeychain::Job &job)
{
    job.setAutoDelete(false);
    // The keyring never falls back to a plain file here: that is ProfileStore's explicit choice.
    job.setInsecureFallback(false);
    bool done = false;
    QEventLoop loop;
    QObject::connect(&job, &QKeychain::Job::finished, &loop, [&done, &loop]() {
        done = true;
        loop.quit();
    });
    job.start();
    if (!done)
        loop.exec();
    switch (job.error()) {
    case QKeychain::NoError:
        return SecretStore::Status::Ok;
    case QKeychain::EntryNotFound:
        return SecretStore::Status::NotFound;
    default:
        qCInfo(lcConsole) << "system keyring:" << job.errorString();
        return SecretStore::Status::Unavailable;
    }
}

} // namespace

SecretStore::SecretStore(const QString &service)
    : m_service(service)
{ }

SecretStore::Status SecretStore::read(const QString &key, QString *secret) const
{
    QKeychain::ReadPasswordJob job(m_service);
    job.setKey(key);
    const Status status = run(job);
    if (status == Status::Ok)
        *secret = job.textData();
    return status;
}

SecretStore::Status SecretStore::write(const QString &key, const QString &secret) const
{
    QKeychain::WritePasswordJob job(m_service);
    job.setKey(key);
    job.setTextData(secret);
    return run(job);
}

SecretStore::Status SecretStore::remove(const QString &key) const
{
    QKeychain::DeletePasswordJob job(m_service);
    job.setKey(key);
    return run(job);
}

} // namespace Switchboard::Console
