//! The AWS side: the shared files and their profiles, the settings of a run, the STS endpoint
//! and client, the session cache, and obtaining a session (from the cache or from STS). Nothing
//! here knows a shell.

pub(crate) mod cache;
pub(crate) mod chain;
pub(crate) mod credentials;
pub(crate) mod endpoint;
pub(crate) mod failure;
pub(crate) mod federation;
pub(crate) mod files;
pub(crate) mod iam;
pub(crate) mod network;
pub(crate) mod obtain;
pub(crate) mod profiles;
pub(crate) mod proxy;
pub(crate) mod served;
pub(crate) mod settings;
pub(crate) mod sources;
pub(crate) mod sts;
pub(crate) mod write_profile;
