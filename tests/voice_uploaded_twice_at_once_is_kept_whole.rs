//! A room that uploads the same recording on two connections at once (a retry racing the
//! first attempt) gets 201 for both, and the hub keeps one whole file and no temp files.

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_uploads_of_one_voice_all_succeed_and_leave_one_whole_file() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (config, _) = enrolled_room(&hub, "lao-chai", dir.path().join("room")).await;
    let credential = crate::common::room_credential(&config);
    // Half a megabyte: a long recording, slow enough to write that uploads overlap.
    let bytes: Vec<u8> = (0..540_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let sha = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    let url = hub.url.join(&format!("api/v1/voice/{sha}")).expect("url");
    let client = http();
    let uploads: Vec<_> = (0..16)
        .map(|_| {
            let request = client
                .put(url.clone())
                .bearer_auth(&credential.credential)
                .body(bytes.clone());
            tokio::spawn(async move { request.send().await.expect("answered").status() })
        })
        .collect();
    for upload in uploads {
        let status = upload.await.expect("task");
        assert_eq!(status.as_u16(), 201, "every parallel upload is stored");
    }
    let path = phonghop::datadir::DataDir::new(&hub.config.data_dir).voice_path(&sha);
    assert_eq!(std::fs::read(&path).expect("stored file"), bytes);
    let name = path
        .file_name()
        .expect("file name")
        .to_string_lossy()
        .into_owned();
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().expect("voice dir"))
        .expect("voice dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|other| other != &name)
        .collect();
    assert!(
        leftovers.is_empty(),
        "temp files left behind: {leftovers:?}"
    );
    hub.stop().await;
}
