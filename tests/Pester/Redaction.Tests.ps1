# Every option the table marks sensitive, on every backend, set to a recognisable value: a whole session
# with -Verbose -Debug, Azure DevOps logging on and a forced error must never show it, in any stream.
# The cases are enumerated from Get-BronzeStorageBackend, so a new sensitive option needs a case here
# (the first test fails until it has one).
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Cases = foreach ($backend in Get-BronzeStorageBackend) {
        foreach ($option in $backend.Options | Where-Object Sensitive) {
            @{ Backend = $backend.Name; Key = $option.Key; Section = $option.Section }
        }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:work = New-TestFolder 'redaction'
    $s3 = Get-RequiredTestVariable 'MF_TEST_S3_ENDPOINT'
    $blob = Get-RequiredTestVariable 'MF_TEST_AZURE_BLOB_ENDPOINT'
    $account = Get-RequiredTestVariable 'MF_TEST_AZURE_ACCOUNT'
    $unique = { "MfSensitive$([guid]::NewGuid().ToString('N'))" }
    $base64 = { param($text) [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($text)) }

    $null = Get-RequiredTestVariable 'MF_TEST_SFTP_PORT'
    $sftpYaml = { param($auth) "platform:`n  bronze:`n    storage_backend: sftp`n    sftp_host: $env:MF_TEST_SFTP_HOST`n    sftp_port: $env:MF_TEST_SFTP_PORT`n    sftp_path: $env:MF_TEST_SFTP_ROOT`n    sftp_prefix: mf-redaction`n  sftp_connection:`n    username_env: MF_TEST_SFTP_USER`n$auth`n    known_hosts_path: $env:MF_TEST_SFTP_KNOWN_HOSTS`n" }

    # Per sensitive option: the YAML that uses it and the values of the variables it reads.
    # Each value must be unique to this test so that finding it anywhere proves a leak.
    $script:Setups = @{
        's3/access_key_env' = { $v = & $unique; @{ Secrets = @{ MF_RD_VALUE = $v }; Env = @{ MF_RD_OTHER = 'S3RVER' }
            Yaml = "platform:`n  bronze:`n    s3_bucket: mf-redaction`n  s3_connection:`n    endpoint_url: $s3`n    access_key_env: MF_RD_VALUE`n    secret_key_env: MF_RD_OTHER`n" } }
        's3/secret_key_env' = { $v = & $unique; @{ Secrets = @{ MF_RD_VALUE = $v }; Env = @{ MF_RD_OTHER = 'S3RVER' }
            Yaml = "platform:`n  bronze:`n    s3_bucket: mf-redaction`n  s3_connection:`n    endpoint_url: $s3`n    access_key_env: MF_RD_OTHER`n    secret_key_env: MF_RD_VALUE`n" } }
        's3/session_token_env' = { $v = & $unique; @{ Secrets = @{ MF_RD_VALUE = $v }; Env = @{ MF_RD_OTHER = 'S3RVER' }
            Yaml = "platform:`n  bronze:`n    s3_bucket: mf-redaction`n  s3_connection:`n    endpoint_url: $s3`n    access_key_env: MF_RD_OTHER`n    secret_key_env: MF_RD_OTHER`n    session_token_env: MF_RD_VALUE`n" } }
        'azure/connection_string_env' = { $key = & $base64 (& $unique); @{ Secrets = @{ MF_RD_VALUE = "DefaultEndpointsProtocol=http;AccountName=$account;AccountKey=$key;BlobEndpoint=$blob;"; KEY = $key }; Env = @{}
            Yaml = "platform:`n  bronze:`n    storage_backend: azure`n    azure_container: mf-redaction`n  azure_connection:`n    connection_string_env: MF_RD_VALUE`n    create_container: true`n" } }
        'azure/account_key_env' = { $key = & $base64 (& $unique); @{ Secrets = @{ MF_RD_VALUE = $key }; Env = @{}
            Yaml = "platform:`n  bronze:`n    storage_backend: azure`n    azure_storage_account: $account`n    azure_container: mf-redaction`n  azure_connection:`n    account_key_env: MF_RD_VALUE`n    account_url: $blob`n" } }
        'azure/sas_token_env' = { $v = & $unique; @{ Secrets = @{ MF_RD_VALUE = "sv=2024-08-04&ss=b&srt=sco&sp=rwdlac&se=2030-01-01T00:00:00Z&sig=$v"; SIG = $v }; Env = @{}
            Yaml = "platform:`n  bronze:`n    storage_backend: azure`n    azure_storage_account: $account`n    azure_container: mf-redaction`n  azure_connection:`n    sas_token_env: MF_RD_VALUE`n    account_url: $blob`n" } }
        'azure/client_secret_env' = { $v = & $unique; @{ Secrets = @{ MF_RD_VALUE = $v }; Env = @{ MF_RD_TENANT = '11111111-1111-1111-1111-111111111111'; MF_RD_CLIENT = '22222222-2222-2222-2222-222222222222'; AZURE_AUTHORITY_HOST = 'https://127.0.0.1:9/' }
            Yaml = "platform:`n  bronze:`n    storage_backend: azure`n    azure_storage_account: $account`n    azure_container: mf-redaction`n  azure_connection:`n    tenant_id_env: MF_RD_TENANT`n    client_id_env: MF_RD_CLIENT`n    client_secret_env: MF_RD_VALUE`n    account_url: $blob`n" } }
        # The encrypt layer's key (a storage layer, listed by Get-BronzeStorageBackend with Kind Layer).
        'encrypt/key_env' = { $key = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(32)); @{ Secrets = @{ MF_RD_VALUE = $key }; Env = @{}
            Yaml = "platform:`n  bronze:`n    storage_backend: local`n    local_path: $work/encrypt-store`n    layers:`n      - encrypt: { key_env: MF_RD_VALUE }`n" } }
        # SFTP: the server's real per-run credentials (random, so finding one anywhere proves a leak).
        'sftp/password_env' = { @{ Secrets = @{ MF_RD_VALUE = $env:MF_TEST_SFTP_PASSWORD }; Env = @{}
            Yaml = (& $sftpYaml '    password_env: MF_RD_VALUE') } }
        'sftp/private_key_path_env' = { @{ Secrets = @{ MF_RD_VALUE = $env:MF_TEST_SFTP_KEY_PATH }; Env = @{}
            Yaml = (& $sftpYaml "    private_key_path_env: MF_RD_VALUE`n    private_key_passphrase_env: MF_TEST_SFTP_KEY_PASSPHRASE") } }
        'sftp/private_key_passphrase_env' = { @{ Secrets = @{ MF_RD_VALUE = $env:MF_TEST_SFTP_KEY_PASSPHRASE }; Env = @{}
            Yaml = (& $sftpYaml "    private_key_path_env: MF_TEST_SFTP_KEY_PATH`n    private_key_passphrase_env: MF_RD_VALUE") } }
    }
}

Describe 'Redaction of every sensitive option' {
    It 'has a session for every sensitive option in the table' {
        $Cases.Count | Should -BeGreaterThan 6
        foreach ($case in $Cases) { $Setups.ContainsKey("$($case.Backend)/$($case.Key)") | Should -BeTrue -Because "$($case.Section).$($case.Key) is sensitive and needs a redaction session" }
    }

    It 'never shows <Backend> <Section>.<Key>' -ForEach $Cases {
        $setup = & $Setups["$Backend/$Key"]
        $transcript = Join-Path $work "$Backend-$Key.txt"
        $yamlPath = Join-Path $work "$Backend-$Key.yaml"
        Set-Content $yamlPath $setup.Yaml
        $file = New-TestFile (Join-Path $work "$Backend-$Key/data.bin") -Size 1024
        $session = @"
`$ErrorActionPreference = 'Continue'
`$VerbosePreference = 'Continue'
`$DebugPreference = 'Continue'
Start-Transcript -Path '$transcript' | Out-Null
Import-Module '$script:ModuleManifest'
Connect-BronzeStorage -ConfigPath '$yamlPath' -MaxAttempts 1 -TimeoutSeconds 20 -TransferTimeoutSeconds 20 -PassThru -Verbose -Debug | Format-List *
Get-BronzeStorage -All | Format-List *
Send-BronzeFile '$($file.FullName)' 'x/data.bin' -PassThru -Verbose -Debug | Format-List *
Get-BronzeFileList -Verbose -Debug | Format-List *
Get-BronzeFile 'x/missing.bin' -Destination '$work/$Backend-$Key-down/' -Verbose -Debug
Test-BronzeStorage -Verbose -Debug | Format-List *
Get-Error -Newest 5
`$Error | ForEach-Object { `$_.ToString(); `$_.ErrorDetails; `$_.Exception.ToString() }
Stop-Transcript | Out-Null
"@
        $environment = @{ TF_BUILD = 'True' }
        foreach ($k in $setup.Env.Keys) { $environment[$k] = $setup.Env[$k] }
        $environment['MF_RD_VALUE'] = $setup.Secrets['MF_RD_VALUE']

        $result = Invoke-ChildPwsh $session -Environment $environment

        Test-Path $transcript | Should -BeTrue -Because $result.Output
        $text = (Get-Content $transcript -Raw) + $result.Output
        $text | Should -Match 'x/missing.bin|x/data.bin' -Because "the session must have run: $($result.Output)"
        foreach ($secret in $setup.Secrets.Values) {
            $text.Contains($secret) | Should -BeFalse -Because "the value of $Section.$Key appeared in a stream"
        }
    }
}
