//! `client`: the default HTTP client in a process that has no rustls crypto
//! provider installed. `reqwest` is built without one of its own (it would
//! panic building a client); the runtime installs `ring`'s. One test in this
//! file, so that nothing else in the process installs a provider first.
#![cfg(feature = "client")]

use std::time::Duration;

use codegen_runtime::client::{ClientConfig, Error, Operation};
use reqwest::Method;
use rustls::crypto::CryptoProvider;

#[tokio::test]
async fn an_https_call_to_a_closed_port_is_a_connect_error_and_ring_is_installed() {
    assert!(
        CryptoProvider::get_default().is_none(),
        "no provider before the first client"
    );
    // A port that was just free: nothing listens there any more.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("local addr").port()
    };
    let config = ClientConfig::new(format!("https://127.0.0.1:{port}"));
    let request = config
        .request(
            Operation::new("Test", Method::GET, "/v1/things"),
            "/v1/things",
        )
        .expect("a request");
    let err = tokio::time::timeout(Duration::from_secs(10), config.execute::<String>(request))
        .await
        .expect("the call ends within 10 s")
        .expect_err("nothing listens");
    match &err {
        Error::Transport(e) => assert!(e.is_connect(), "{e:?}"),
        other => panic!("not a transport error: {other:?}"),
    }

    let installed = CryptoProvider::get_default().expect("a provider after the first client");
    assert_eq!(
        format!("{installed:?}"),
        format!("{:?}", rustls::crypto::ring::default_provider())
    );
}
