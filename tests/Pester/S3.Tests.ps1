# End to end on the S3 test server (@20minutes/s3rver 5.0.0), as a user runs the module: a YAML
# config in the seed's schema whose s3_connection names environment variables, then the three pipelines.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $endpoint = Get-RequiredTestVariable 'MF_TEST_S3_ENDPOINT'
    $accessKey = Get-RequiredTestVariable 'MF_TEST_S3_ACCESS_KEY'
    $secretKey = Get-RequiredTestVariable 'MF_TEST_S3_SECRET_KEY'

    # The module has no bucket cmdlet (buckets are infrastructure): create one with the AWS SDK
    # assemblies that ship in the module folder.
    Import-ModuleSdk AWSSDK.Core, AWSSDK.S3
    $script:Bucket = "mf-pester-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
    $s3Config = [Amazon.S3.AmazonS3Config]@{ ServiceURL = $endpoint; ForcePathStyle = $true; AuthenticationRegion = 'us-east-1' }
    $client = [Amazon.S3.AmazonS3Client]::new([Amazon.Runtime.BasicAWSCredentials]::new($accessKey, $secretKey), $s3Config)
    try { $null = $client.PutBucketAsync($script:Bucket).GetAwaiter().GetResult() } finally { $client.Dispose() }

    # The seed's schema: the connection section names environment variables, never values.
    $env:MF_PESTER_S3_ENDPOINT = $endpoint
    $script:Work = New-TestFolder 's3'
    $script:ConfigPath = Join-Path $script:Work 'platform.yaml'
    @"
platform:
  bronze:
    storage_backend: s3
    s3_bucket: $($script:Bucket)
    s3_prefix: bronze
  s3_connection:
    endpoint_url_env: MF_PESTER_S3_ENDPOINT
    access_key_env: MF_TEST_S3_ACCESS_KEY
    secret_key_env: MF_TEST_S3_SECRET_KEY
"@ | Set-Content -Path $script:ConfigPath

    function Get-Hashes([string] $Folder) {
        $hashes = @{}
        foreach ($file in Get-ChildItem $Folder -File -Recurse) { $hashes[$file.Name] = (Get-FileHash $file.FullName).Hash }
        $hashes
    }
}

AfterAll {
    Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue
    Remove-Item Env:MF_PESTER_S3_ENDPOINT -ErrorAction SilentlyContinue
    if ($script:Work) { Remove-Item $script:Work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'S3 backend from a YAML config' {
    BeforeAll {
        Connect-BronzeStorage -ConfigPath $script:ConfigPath
        $script:Source = Join-Path $script:Work 'extract'
        1..5 | ForEach-Object { New-TestFile -Path (Join-Path $script:Source "part-000$_.bin") -Size (1000 * $_ + 17) -Seed $_ } | Out-Null
        New-TestFile -Path (Join-Path $script:Source 'part-big.bin') -Size (3MB + 5) -Seed 99 | Out-Null
    }

    It 'connects to the bucket and prefix of the config without showing a secret' {
        $info = Get-BronzeStorage
        $info.Backend | Should -Be 's3'
        ($info | Out-String) | Should -Match ([regex]::Escape("s3://$($script:Bucket)/bronze"))
        ($info | Out-String) | Should -Not -Match ([regex]::Escape($env:MF_TEST_S3_SECRET_KEY))
    }

    It 'uploads with Get-ChildItem | Send-BronzeFile' {
        $sent = Get-ChildItem $script:Source -File | Send-BronzeFile -Destination 'system=api/table=users/dt=2025-01-01/' -PassThru
        $sent.Count | Should -Be 6
        $sent.Path | Should -Contain 'system=api/table=users/dt=2025-01-01/part-big.bin'
    }

    It 'downloads with Get-BronzeFileList | Get-BronzeFile, every byte equal' {
        $down = Join-Path $script:Work 'down'
        $files = Get-BronzeFileList -Prefix 'system=api/table=users/' | Get-BronzeFile -Destination $down
        @($files).Count | Should -Be 6
        $expected = Get-Hashes $script:Source
        $actual = Get-Hashes $down
        $actual.Count | Should -Be 6
        foreach ($name in $expected.Keys) { $actual[$name] | Should -Be $expected[$name] -Because $name }
        Test-Path (Join-Path $down 'system=api/table=users/dt=2025-01-01/part-0001.bin') | Should -BeTrue
    }

    It 'removes with Get-BronzeFileList | Remove-BronzeFile' {
        Get-BronzeFileList -Prefix 'system=api/table=users/' | Remove-BronzeFile
        @(Get-BronzeFileList -Prefix 'system=api/').Count | Should -Be 0
    }
}

Describe 'S3 backend from parameters' {
    It 'connects with -Backend S3 -Bucket -Prefix -EndpointUrl -Credential and round-trips a file' {
        $credential = [pscredential]::new($env:MF_TEST_S3_ACCESS_KEY, (ConvertTo-SecureString $env:MF_TEST_S3_SECRET_KEY -AsPlainText -Force))
        Connect-BronzeStorage -Backend S3 -Bucket $script:Bucket -Prefix 'params/' -EndpointUrl $env:MF_TEST_S3_ENDPOINT -Credential $credential -Name params
        $file = New-TestFile -Path (Join-Path $script:Work 'params/one.bin') -Size 4096 -Seed 4
        Send-BronzeFile -Path $file.FullName -Destination 'x/'

        $listed = @(Get-BronzeFileList -Prefix 'x/')
        $listed.Path | Should -Be @('x/one.bin')
        $back = $listed | Get-BronzeFile -Destination (Join-Path $script:Work 'params-down')
        (Get-FileHash $back.FullName).Hash | Should -Be (Get-FileHash $file.FullName).Hash
        $listed | Remove-BronzeFile
        @(Get-BronzeFileList -Prefix 'x/').Count | Should -Be 0
    }

    It 'fails with an error naming the bucket when it does not exist: at connect time, or at the first call with -SkipCheck' {
        $credential = [pscredential]::new($env:MF_TEST_S3_ACCESS_KEY, (ConvertTo-SecureString $env:MF_TEST_S3_SECRET_KEY -AsPlainText -Force))
        { Connect-BronzeStorage -Backend S3 -Bucket 'mf-no-such-bucket' -EndpointUrl $env:MF_TEST_S3_ENDPOINT -Credential $credential -Name missing } |
            Should -Throw -ErrorId 'ConnectBronzeStorageContainerNotFound,MedallionFoundry.Commands.ConnectBronzeStorageCommand' -ExpectedMessage "*'mf-no-such-bucket'*"
        Connect-BronzeStorage -Backend S3 -Bucket 'mf-no-such-bucket' -EndpointUrl $env:MF_TEST_S3_ENDPOINT -Credential $credential -Name missing -SkipCheck
        { Get-BronzeFileList -ErrorAction Stop } | Should -Throw -ExpectedMessage "*'mf-no-such-bucket'*"
    }
}
