# A whole session with -Verbose and -Debug on, errors included and dumped with Get-Error, recorded by
# Start-Transcript: none of the secrets used may appear anywhere in it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:work = New-TestFolder 'secrets'
    $null = Get-RequiredTestVariable 'MF_TEST_S3_ENDPOINT'
    $null = Get-RequiredTestVariable 'MF_TEST_AZURE_CONNECTION_STRING'
}

Describe 'Secrets in a recorded session' {
    It 'never shows the <Name> secrets' -ForEach @(
        @{
            Name = 'S3'
            # The S3 test server accepts any well-formed signature, so the secret key can be unique to this test.
            Secrets = @{ MF_SECRET_S3_SECRET = "MfS3Secret$([guid]::NewGuid().ToString('N'))" }
            Setup = @'
$yaml = "platform:`n  bronze:`n    storage_backend: s3`n    s3_bucket: BUCKET`n    s3_prefix: secrets`n  s3_connection:`n    endpoint_url_env: MF_TEST_S3_ENDPOINT`n    access_key_env: MF_TEST_S3_ACCESS_KEY`n    secret_key_env: MF_SECRET_S3_SECRET`n"
'@
        }
        @{
            Name = 'Azure'
            Secrets = @{ MF_SECRET_AZ_KEY = $env:MF_TEST_AZURE_KEY; MF_SECRET_AZ_CONN = $env:MF_TEST_AZURE_CONNECTION_STRING }
            Setup = @'
$yaml = "platform:`n  bronze:`n    storage_backend: azure`n    azure_storage_account: $env:MF_TEST_AZURE_ACCOUNT`n    azure_container: mf-secrets`n    azure_prefix: secrets`n  azure_connection:`n    account_name_env: MF_TEST_AZURE_ACCOUNT`n    account_key_env: MF_SECRET_AZ_KEY`n    account_url: $env:MF_TEST_AZURE_BLOB_ENDPOINT`n    create_container: true`n"
'@
        }
    ) {
        $bucket = "mf-secrets-$([guid]::NewGuid().ToString('N').Substring(0, 10))"
        if ($Name -eq 'S3') {
            Import-ModuleSdk AWSSDK.Core, AWSSDK.S3
            $config = [Amazon.S3.AmazonS3Config]@{ ServiceURL = $env:MF_TEST_S3_ENDPOINT; ForcePathStyle = $true; AuthenticationRegion = 'us-east-1' }
            $client = [Amazon.S3.AmazonS3Client]::new([Amazon.Runtime.BasicAWSCredentials]::new($env:MF_TEST_S3_ACCESS_KEY, 'x'), $config)
            try { $null = $client.PutBucketAsync($bucket).GetAwaiter().GetResult() } finally { $client.Dispose() }
        }
        $transcript = Join-Path $work "$Name-transcript.txt"
        $file = New-TestFile (Join-Path $work "$Name/data.bin") -Size 4096
        $session = @"
`$ErrorActionPreference = 'Continue'
`$VerbosePreference = 'Continue'
`$DebugPreference = 'Continue'
Start-Transcript -Path '$transcript' | Out-Null
Import-Module '$script:ModuleManifest'
$Setup
`$yaml = `$yaml.Replace('BUCKET', '$bucket')
Set-Content '$work/$Name.yaml' `$yaml
Connect-BronzeStorage -ConfigPath '$work/$Name.yaml' -PassThru | Format-List *
Get-BronzeStorage -All | Format-List *
Get-ChildItem env:MF_SECRET_* | ForEach-Object Name
Send-BronzeFile '$($file.FullName)' 'x/data.bin' -PassThru -Verbose -Debug | Format-List *
Get-BronzeFileList -Verbose -Debug | Format-List *
Get-BronzeFile 'x/data.bin' -Destination '$work/$Name-down/' -Verbose -Debug | Out-Null
Get-BronzeFile 'x/missing.bin' -Destination '$work/$Name-down/' -Verbose -Debug
Test-BronzeStorage -Verbose -Debug | Format-List *
Get-BronzeFileList | Remove-BronzeFile -Verbose -Debug
Get-Error -Newest 5
`$Error | ForEach-Object { `$_.Exception.ToString() }
Stop-Transcript | Out-Null
"@
        $result = Invoke-ChildPwsh $session -Environment $Secrets
        Test-Path $transcript | Should -BeTrue -Because $result.Output
        $text = (Get-Content $transcript -Raw) + $result.Output

        $text | Should -Match 'x/missing.bin' -Because 'the session must have run, error included'
        $text | Should -Match 'MF_SECRET_' -Because 'variable names may show'
        foreach ($secret in $Secrets.Values) {
            $text.Contains($secret) | Should -BeFalse -Because "a secret of $Name appeared in the transcript"
        }
        if ($Name -eq 'Azure') { $text | Should -Not -Match 'AccountKey=' }
    }
}
